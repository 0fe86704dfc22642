using System.Text.Json.Nodes;

namespace Gleitzeit.Testing;

/// <summary>One request of a batch input file that passed validation.</summary>
/// <param name="Number">Its 1-based line in the file.</param>
/// <param name="CustomId">Its <c>custom_id</c>.</param>
/// <param name="Body">Its <c>body</c>: a chat-completions request.</param>
internal sealed record BatchLine(int Number, string CustomId, JsonObject Body);

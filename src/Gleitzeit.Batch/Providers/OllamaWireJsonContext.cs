using System.Text.Json;
using System.Text.Json.Serialization;
using OllamaSharp.Models;
using OllamaSharp.Models.Chat;

namespace Gleitzeit.Batch.Providers;

/// <summary>
/// Source-generated JSON metadata for what we exchange with Ollama through OllamaSharp (its own context is internal).
/// Without it OllamaSharp falls back to reflection, which an ahead-of-time compiled CLI does not have.
/// <c>object</c>-typed members (a request's <c>format</c>) hold a string or a <see cref="JsonElement"/>: both listed.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatRequest))]
[JsonSerializable(typeof(ChatResponseStream))]
[JsonSerializable(typeof(ChatDoneResponseStream))]
[JsonSerializable(typeof(ListModelsResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(RequestOptions))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
internal sealed partial class OllamaWireJsonContext : JsonSerializerContext;

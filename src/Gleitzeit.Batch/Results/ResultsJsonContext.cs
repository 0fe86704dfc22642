using System.Text.Json.Serialization;

namespace Gleitzeit.Batch.Results;

/// <summary>Source-generated serializers for batch records and journal lines (no reflection: the CLI is compiled ahead of time).</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    NewLine = "\n",
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(BatchRecord))]
[JsonSerializable(typeof(ItemResult))]
internal sealed partial class ResultsJsonContext : JsonSerializerContext;

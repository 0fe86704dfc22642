using System.Text.Json.Serialization;

namespace Gleitzeit.Batch.Bulk;

/// <summary>Source-generated serializers for the bulk ledger (the CLI is compiled ahead of time).</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    NewLine = "\n",
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BulkEntry))]
internal sealed partial class BulkJsonContext : JsonSerializerContext;

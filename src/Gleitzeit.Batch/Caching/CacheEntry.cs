using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Gleitzeit.Batch.Providers;

namespace Gleitzeit.Batch.Caching;

/// <summary>One cached model answer, self-describing: the key's inputs (hashes in place of content), the answer, tokens, durations, when it was written.</summary>
public sealed class CacheEntry
{
    [JsonPropertyName("key")]
    public required string Key { get; init; }

    [JsonPropertyName("inputs")]
    public required JsonObject Inputs { get; init; }

    [JsonPropertyName("source")]
    public JsonObject? Source { get; init; }

    [JsonPropertyName("response")]
    public required string Response { get; init; }

    [JsonPropertyName("tokens")]
    public TokenCounts? Tokens { get; init; }

    [JsonPropertyName("durations")]
    public ModelDurations? Durations { get; init; }

    /// <summary>The model and build a hosted service answered with, when it said.</summary>
    [JsonPropertyName("served_by")]
    public ServedBy? ServedBy { get; init; }

    /// <summary>Seconds the item took when it was computed; reported again on every hit.</summary>
    [JsonPropertyName("processing_time")]
    public double ProcessingTime { get; init; }

    [JsonPropertyName("written_at")]
    public DateTimeOffset WrittenAt { get; init; }

    /// <summary>For a split document's combined answer: how many parts it combines.</summary>
    [JsonPropertyName("parts")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Parts { get; init; }
}

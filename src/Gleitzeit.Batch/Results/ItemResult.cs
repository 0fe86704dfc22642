using System.Text.Json.Serialization;
using Gleitzeit.Batch.Providers;

namespace Gleitzeit.Batch.Results;

/// <summary>What happened to one item.</summary>
public sealed class ItemResult
{
    public const string Success = "success";
    public const string Failed = "failed";
    public const string Skipped = "skipped";

    [JsonPropertyName("file")]
    public required string File { get; init; }

    /// <summary><c>success</c>, <c>failed</c> or <c>skipped</c>.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("result")]
    public string? Result { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }

    /// <summary>A GZ diagnostic code for failures (e.g. GZ3001), so builds annotate them.</summary>
    [JsonPropertyName("error_code")]
    public string? ErrorCode { get; init; }

    /// <summary>Seconds; for a cache hit, the time recorded when the result was computed.</summary>
    [JsonPropertyName("processing_time")]
    public double ProcessingTime { get; init; }

    [JsonPropertyName("tokens")]
    public TokenCounts? Tokens { get; init; }

    /// <summary>The model and build a hosted service answered with, when it said.</summary>
    [JsonPropertyName("served_by")]
    public ServedBy? ServedBy { get; init; }

    [JsonPropertyName("cached")]
    public bool Cached { get; init; }

    [JsonPropertyName("cache_key")]
    public string? CacheKey { get; init; }

    /// <summary>Why the item missed the cache, when it was sent and the previous run is known.</summary>
    [JsonPropertyName("miss_reasons")]
    public IReadOnlyList<string>? MissReasons { get; init; }

    [JsonPropertyName("output_file")]
    public string? OutputFile { get; init; }
}

using System.Text.Json.Serialization;
using Gleitzeit.Batch.Providers;

namespace Gleitzeit.Batch.Results;

/// <summary>What happened to one item.</summary>
public sealed record ItemResult
{
    public const string Success = "success";
    public const string Failed = "failed";
    public const string Skipped = "skipped";

    /// <summary>In a remote batch of the Batch API (<c>execution: bulk</c>): a later run or build collects its answer.</summary>
    public const string Submitted = "submitted";

    /// <summary><see cref="Source"/> of an answer served from the committed JSON artifact.</summary>
    public const string FromArtifact = "artifact";

    /// <summary><see cref="Source"/> of an answer served from the cache directory.</summary>
    public const string FromCache = "cache";

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

    /// <summary>Where a cached answer came from: <c>artifact</c> (the committed JSON artifact) or <c>cache</c>; null when the model answered.</summary>
    [JsonPropertyName("source")]
    public string? Source { get; init; }

    /// <summary>The model as the prompt named it.</summary>
    [JsonPropertyName("model")]
    public string? Model { get; init; }

    /// <summary>The digest of the weights that answered, where the provider has one (Ollama's, a local file's SHA-256).</summary>
    [JsonPropertyName("model_digest")]
    public string? ModelDigest { get; init; }

    [JsonPropertyName("cache_key")]
    public string? CacheKey { get; init; }

    /// <summary>Why the item missed the cache, when it was sent and the previous run is known.</summary>
    [JsonPropertyName("miss_reasons")]
    public IReadOnlyList<string>? MissReasons { get; init; }

    [JsonPropertyName("output_file")]
    public string? OutputFile { get; init; }

    /// <summary>For a document sent in parts (<c>long_documents: split</c>): how many parts its answer combines.</summary>
    [JsonPropertyName("parts")]
    public int? Parts { get; init; }

    /// <summary>For a document sent in parts: how many calls this run made for it (parts not cached, and the combining calls).</summary>
    [JsonPropertyName("parts_sent")]
    public int? PartsSent { get; init; }

    /// <summary>For a PDF, Office or HTML file: the extractor that made its text (<c>pdfpig/0.1.16+1</c>).</summary>
    [JsonPropertyName("extractor")]
    public string? Extractor { get; init; }

    /// <summary>A reasoning model's reasoning (<c>&lt;think&gt;</c>, <c>reasoning_content</c>, Ollama's <c>thinking</c>): in the record, never in artifacts.</summary>
    [JsonPropertyName("reasoning")]
    public string? Reasoning { get; init; }

    /// <summary>How the answer fared in its batch's checks and before its judge; null when the batch checks nothing.</summary>
    [JsonPropertyName("checks")]
    public Review.ItemChecks? Checks { get; init; }

    /// <summary>For a submitted item: the remote batch that holds its request.</summary>
    [JsonPropertyName("remote_batch")]
    public string? RemoteBatch { get; init; }
}

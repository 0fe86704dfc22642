using System.Text.Json.Serialization;
using Gleitzeit.Batch.Planning;

namespace Gleitzeit.Batch.Results;

/// <summary>One batch as the results directory keeps it: its plan, its status and every item result so far.</summary>
public sealed class BatchRecord
{
    [JsonPropertyName("batch_id")]
    public required string BatchId { get; init; }

    [JsonPropertyName("created_at")]
    public DateTimeOffset CreatedAt { get; init; }

    [JsonPropertyName("completed_at")]
    public DateTimeOffset? CompletedAt { get; set; }

    [JsonPropertyName("status")]
    public BatchStatus Status { get; set; }

    /// <summary>The batch-wide error that stopped it, if any.</summary>
    [JsonPropertyName("error")]
    public string? Error { get; set; }

    [JsonPropertyName("error_code")]
    public string? ErrorCode { get; set; }

    /// <summary>The provider it ran with; a resume uses it unless told otherwise (null in records of older versions: Ollama).</summary>
    [JsonPropertyName("provider")]
    public string? Provider { get; init; }

    [JsonPropertyName("endpoint")]
    public string? Endpoint { get; init; }

    /// <summary>The environment variable the API key came from (the name, never the key); a resume reads it again.</summary>
    [JsonPropertyName("api_key_env")]
    public string? ApiKeyVariable { get; init; }

    /// <summary>Where the local provider keeps downloaded models; a resume looks there again.</summary>
    [JsonPropertyName("models_directory")]
    public string? ModelsDirectory { get; init; }

    /// <summary>The directory relative local model paths were resolved against; a resume resolves them there again.</summary>
    [JsonPropertyName("working_directory")]
    public string? WorkingDirectory { get; init; }

    /// <summary>How it ran (retries, timeouts, concurrency…, those not at their defaults), by key; a resume runs the same way.</summary>
    [JsonPropertyName("run_settings")]
    public SortedDictionary<string, string>? RunSettings { get; init; }

    [JsonPropertyName("total_files")]
    public int TotalFiles => Plan.Items.Count;

    [JsonPropertyName("successful")]
    public int Successful => Count(ItemResult.Success);

    [JsonPropertyName("failed")]
    public int Failed => Count(ItemResult.Failed);

    [JsonPropertyName("skipped")]
    public int Skipped => Count(ItemResult.Skipped);

    /// <summary>Items whose requests wait in remote batches of the Batch API.</summary>
    [JsonPropertyName("submitted")]
    public int Submitted => Count(ItemResult.Submitted);

    /// <summary>The remote batches (Batch API) this batch's runs submitted or collected, by remote id.</summary>
    [JsonPropertyName("remote_batches")]
    public SortedDictionary<string, RemoteBatchState> RemoteBatches { get; init; } = new(StringComparer.Ordinal);

    [JsonPropertyName("cached")]
    public int Cached => Results.Values.Count(r => r.Cached);

    /// <summary>Of the cached, how many the committed JSON artifact served.</summary>
    [JsonPropertyName("from_artifact")]
    public int FromArtifact => Results.Values.Count(r => r.Source == ItemResult.FromArtifact);

    /// <summary>Items with no result at all: the batch stopped (or was interrupted) before they ran.</summary>
    [JsonIgnore]
    public int NotRun => Plan.Items.Count(i => !Results.ContainsKey(i.File));

    /// <summary>Wall-clock seconds of the last run (run-specific; never exported into build artifacts).</summary>
    [JsonPropertyName("wall_time")]
    public double WallTime { get; set; }

    [JsonPropertyName("plan")]
    public required BatchPlan Plan { get; set; }

    /// <summary>Results by item name.</summary>
    [JsonIgnore]
    public SortedDictionary<string, ItemResult> Results { get; } = new(StringComparer.Ordinal);

    [JsonPropertyName("results")]
    public IReadOnlyList<ItemResult> ResultList
    {
        get => [.. Results.Values];
        init
        {
            foreach (var result in value)
            {
                Results[result.File] = result;
            }
        }
    }

    [JsonIgnore]
    public BatchSource Source => Plan.Source;

    /// <summary>Items with no result yet, or a failed or skipped one: what <c>batch-resume</c> runs again.</summary>
    [JsonIgnore]
    public IEnumerable<BatchItem> Unfinished =>
        Plan.Items.Where(i => !Results.TryGetValue(i.File, out var r) || r.Status != ItemResult.Success
            || (Plan.Templates[i.Template].Review is not null && r.Checks is not { Settled: true }));

    private int Count(string status) => Results.Values.Count(r => r.Status == status);
}

using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Gleitzeit.Batch.Bulk;

/// <summary>
/// One remote batch as the ledger knows it, from before its file is written to its collection: the keys it holds
/// and how far its submission got, so a process killed at any step is picked up by the next one without submitting
/// a key twice.
/// </summary>
public sealed class BulkEntry
{
    /// <summary>Written before the input file: an upload or a batch may exist without its id known here.</summary>
    public const string Prepared = "prepared";

    /// <summary>The input file is uploaded (<see cref="FileId"/>); the batch may have been created without its id known here.</summary>
    public const string Uploaded = "uploaded";

    /// <summary>The batch exists (<see cref="BatchId"/>): its keys are pending until it is collected.</summary>
    public const string Submitted = "submitted";

    /// <summary>Also the upload's file name (<c>gleitzeit-{id}.jsonl</c>) and the batch's <c>gleitzeit_ledger</c> metadata.</summary>
    public required string Id { get; init; }

    public required string State { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The service the batch was sent to (its identity in cache keys): another service's entries are left alone.</summary>
    public required string Service { get; init; }

    /// <summary>The batch record whose run submitted it.</summary>
    public string? SubmittedBy { get; init; }

    public string? FileId { get; set; }

    public string? BatchId { get; set; }

    /// <summary>The remote status last seen.</summary>
    public string? RemoteStatus { get; set; }

    /// <summary>The keys it holds, by <c>custom_id</c>.</summary>
    public required SortedDictionary<string, BulkKey> Keys { get; init; }

    [JsonIgnore]
    public string FileName => $"gleitzeit-{Id}.jsonl";
}

/// <summary>A key in a remote batch: what the cache entry of its answer is made of.</summary>
public sealed class BulkKey
{
    /// <summary>The item it answers, for messages.</summary>
    public required string File { get; init; }

    public required JsonObject Inputs { get; init; }

    public JsonObject? Source { get; init; }

    /// <summary>How many times this key has been submitted in a row (1 for the first).</summary>
    public int Attempt { get; init; } = 1;
}

namespace Gleitzeit.Cli.Json;

/// <summary><c>gleitzeit batch-list --json</c>: the recorded batches, newest first.</summary>
internal sealed record BatchListJson(string ResultsDirectory, IReadOnlyList<BatchJson> Batches);

/// <summary>One batch as <c>batch-list --json</c> and <c>batch-show --json</c> describe it.</summary>
/// <param name="CreatedAt">ISO 8601 with the offset it was recorded in.</param>
/// <param name="Source">cli, build or workflow.</param>
/// <param name="Status">running, completed, failed, interrupted… as recorded.</param>
/// <param name="Name">The batch's name (builds and workflows), else null.</param>
internal sealed record BatchJson(
    string BatchId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    string Source,
    string Status,
    string? Name,
    BatchCountsJson Summary,
    IReadOnlyList<RemoteBatchJson>? RemoteBatches);

/// <summary>A remote batch of the Batch API (<c>execution: bulk</c>) as last seen: its status, counts, and whether it was collected.</summary>
internal sealed record RemoteBatchJson(string Id, string Status, int Total, int Completed, int Failed, bool Collected, DateTimeOffset SeenAt);

/// <summary>How many items a batch has, and how each ended; <c>not_run</c> counts items with no result yet.</summary>
internal sealed record BatchCountsJson(int Total, int Successful, int Failed, int Skipped, int Cached, int NotRun, int Submitted);

namespace Gleitzeit.Batch.Execution;

/// <summary>What just happened in a running batch.</summary>
public enum BatchEventKind
{
    /// <summary>An item is waiting its turn (one event per item at the start).</summary>
    Queued,

    /// <summary>An item is being sent to the model.</summary>
    Started,

    /// <summary>An item was served from the cache.</summary>
    CacheHit,

    /// <summary>An item's model call succeeded.</summary>
    Completed,

    /// <summary>An item failed.</summary>
    Failed,

    /// <summary>An item was skipped (too large, empty, not a regular file).</summary>
    Skipped,

    /// <summary>An item's request waits in a remote batch of the Batch API (<c>execution: bulk</c>).</summary>
    Submitted,

    /// <summary>A transient failure; calls are tried again after a delay (one event per condition, not per item).</summary>
    Retrying,

    /// <summary>A warning about the batch (a directory left out, the cache not writable…).</summary>
    Warning,

    /// <summary>The model is being put in place (the local model's download): see <see cref="BatchProgressEvent.Transfer"/>.</summary>
    Preparing,

    /// <summary>A judge graded an item's answer (or its verdict was served): the message says the score and whether it passed.</summary>
    Judged,
}

/// <summary>One progress event.</summary>
public sealed record BatchProgressEvent
{
    public required BatchEventKind Kind { get; init; }

    /// <summary>The item it happened to, if any.</summary>
    public string? File { get; init; }

    /// <summary>The first words of the result, the error, the retry or the warning.</summary>
    public string? Message { get; init; }

    /// <summary>How long the item took, for finished items.</summary>
    public TimeSpan? ItemTime { get; init; }

    /// <summary>The batch's counts after this event; null for retries and warnings, which change none.</summary>
    public BatchCounts? Counts { get; init; }

    /// <summary>Time since the batch started.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Estimated time left, once something has finished.</summary>
    public TimeSpan? Eta { get; init; }

    /// <summary>For <see cref="BatchEventKind.CacheHit"/>: <c>artifact</c> (the committed JSON artifact) or <c>cache</c>.</summary>
    public string? Source { get; init; }

    /// <summary>For warnings: their GZ code, when they have one (a cache that cannot be written: GZ3005).</summary>
    public string? Code { get; init; }

    /// <summary>For <see cref="BatchEventKind.Preparing"/>: how far the model's download has come.</summary>
    public Providers.Local.ModelTransfer? Transfer { get; init; }
}

/// <summary>Counts of a running batch.</summary>
public sealed record BatchCounts
{
    public int Total { get; init; }

    /// <summary>Succeeded, failed, skipped and submitted so far.</summary>
    public int Done { get; init; }

    public int Succeeded { get; init; }

    public int Failed { get; init; }

    public int Skipped { get; init; }

    /// <summary>Items whose requests wait in remote batches of the Batch API.</summary>
    public int Submitted { get; init; }

    /// <summary>Of the succeeded, how many were served from the cache.</summary>
    public int Cached { get; init; }

    public int InFlight { get; init; }
}

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

    /// <summary>An item was skipped (too large).</summary>
    Skipped,

    /// <summary>A transient failure; the item is tried again after a delay.</summary>
    Retrying,

    /// <summary>A warning about the batch (e.g. a corrupt cache entry).</summary>
    Warning,
}

/// <summary>One progress event, with the batch's counts and timing as of that moment.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="File">The item it happened to, if any.</param>
/// <param name="Message">The first words of the result, the error, or the warning.</param>
/// <param name="ItemTime">How long the item took, for finished items.</param>
/// <param name="Counts">Counts after this event.</param>
/// <param name="Elapsed">Time since the batch started.</param>
/// <param name="Eta">Estimated time left, once something has finished.</param>
public sealed record BatchProgressEvent(
    BatchEventKind Kind,
    string? File,
    string? Message,
    TimeSpan? ItemTime,
    BatchCounts Counts,
    TimeSpan Elapsed,
    TimeSpan? Eta);

/// <summary>Counts of a running batch.</summary>
public sealed record BatchCounts(int Total, int Done, int Succeeded, int Failed, int Skipped, int Cached, int InFlight);

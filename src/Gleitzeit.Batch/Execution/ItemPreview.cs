namespace Gleitzeit.Batch.Execution;

/// <summary>What a dry run says of one item: cached, would be sent (and why), skipped or failing.</summary>
/// <param name="File">The item.</param>
/// <param name="Action">What a real run would do.</param>
/// <param name="Detail">Why it misses, or what is wrong.</param>
public sealed record ItemPreview(string File, PreviewAction Action, string? Detail)
{
    /// <summary>Whether the run would also call the judge for this item's answer (no verdict on it is cached).</summary>
    public bool Judge { get; init; }
}

/// <summary>What a real run would do with an item.</summary>
public enum PreviewAction
{
    /// <summary>Served from the cache.</summary>
    Cached,

    /// <summary>Sent to the model.</summary>
    Send,

    /// <summary>Skipped (too large).</summary>
    Skip,

    /// <summary>Fails before any call (missing, unreadable, invalid format, Locked miss).</summary>
    Fail,
}

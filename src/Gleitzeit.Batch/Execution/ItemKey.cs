using Gleitzeit.Batch.Caching;

namespace Gleitzeit.Batch.Execution;

/// <summary>An item's cache key (or why it has none), worked out before anything is sent.</summary>
internal sealed class ItemKey
{
    public required BatchItem Item { get; init; }

    public required PromptTemplate Template { get; init; }

    public string Model => Template.Model;

    public CacheKey? Key { get; set; }

    public bool LooksCached { get; set; }

    /// <summary>Set when the file cannot be sent (invalid format, unreadable).</summary>
    public string? Error { get; set; }

    public string? ErrorCode { get; set; }
}

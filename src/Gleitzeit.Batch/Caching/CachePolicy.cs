using Gleitzeit.Batch.Configuration;

namespace Gleitzeit.Batch.Caching;

/// <summary>What a cache mode allows, decided here once: serving hits, storing answers, sending misses to the model.</summary>
public sealed record CachePolicy(CacheMode Mode)
{
    /// <summary>Hits are served (every mode but Off).</summary>
    public bool Serves => Mode != CacheMode.Off;

    /// <summary>Answers, model digests and the miss index are written (ReadWrite only).</summary>
    public bool Stores => Mode == CacheMode.ReadWrite;

    /// <summary>Misses are sent to the model (every mode but Locked).</summary>
    public bool Sends => Mode != CacheMode.Locked;

    /// <summary>Processes sharing the cache send each key once (only when answers are stored for the others to find).</summary>
    public bool Coordinates => Stores;
}

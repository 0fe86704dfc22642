namespace Gleitzeit.Batch.Configuration;

/// <summary>How a batch uses the content-hash cache.</summary>
public enum CacheMode
{
    /// <summary>Serve hits, send misses, store new results.</summary>
    ReadWrite,

    /// <summary>Serve hits, send misses, store nothing.</summary>
    ReadOnly,

    /// <summary>Serve hits; any miss fails its item without calling the model.</summary>
    Locked,

    /// <summary>Neither read nor write the cache: every item is sent.</summary>
    Off,
}

using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Caching;

/// <summary>
/// An in-flight marker for one cache key, shared by every process using the cache directory: an exclusively opened
/// file under <c>locks/</c>, which the operating system releases when its process ends however it ends (so a killed
/// process leaves no stale lock, only an empty file that the next holder reuses and <c>cache prune</c> removes).
/// While one process holds a key, the others serve its answer once it is stored instead of sending the same prompt.
/// </summary>
public sealed class KeyLock : IDisposable
{
    private readonly FileStream _stream;

    private KeyLock(FileStream stream)
    {
        _stream = stream;
    }

    /// <summary>Takes the lock of <paramref name="key"/> without waiting; null when another holder has it.</summary>
    /// <exception cref="IOException">The locks directory cannot be written.</exception>
    public static KeyLock? TryAcquire(CacheStore cache, string key)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var path = cache.LockPath(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return ExclusiveFile.TryAcquire(path) is { } stream ? new KeyLock(stream) : null;
    }

    /// <summary>Releases the lock and removes its file.</summary>
    public void Dispose() => ExclusiveFile.Release(_stream);
}

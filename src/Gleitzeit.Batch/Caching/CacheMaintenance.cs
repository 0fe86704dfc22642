namespace Gleitzeit.Batch.Caching;

/// <summary>Size and pruning of a cache directory. Entries are touched on every hit, so pruning by age removes the least recently used.</summary>
public static class CacheMaintenance
{
    /// <summary>Counts the entries of a cache directory.</summary>
    public static CacheStats Stats(string cacheDirectory)
    {
        var entries = Entries(cacheDirectory);
        return new CacheStats(
            entries.Count,
            entries.Sum(e => e.Length),
            entries.Count == 0 ? null : entries.Min(e => e.LastWriteTimeUtc),
            entries.Count == 0 ? null : entries.Max(e => e.LastWriteTimeUtc));
    }

    /// <summary>Removes entries unused for longer than <paramref name="olderThan"/>, then the least recently used until the cache fits <paramref name="maxBytes"/>.</summary>
    public static PruneResult Prune(string cacheDirectory, long? maxBytes, TimeSpan? olderThan, DateTime utcNow)
    {
        var entries = Entries(cacheDirectory).OrderBy(e => e.LastWriteTimeUtc).ThenBy(e => e.Name, StringComparer.Ordinal).ToList();
        var total = entries.Sum(e => e.Length);
        var removed = 0;
        long removedBytes = 0;
        foreach (var entry in entries)
        {
            var tooOld = olderThan is { } age && utcNow - entry.LastWriteTimeUtc > age;
            var tooBig = maxBytes is { } limit && total > limit;
            if (!tooOld && !tooBig)
            {
                continue;
            }

            var length = entry.Length;
            if (!TryDelete(entry))
            {
                continue;
            }

            total -= length;
            removed++;
            removedBytes += length;
        }

        return new PruneResult(removed, removedBytes, entries.Count - removed, total, RemoveLeftovers(cacheDirectory, utcNow));
    }

    // Temp files of writers killed between write and rename, and per-key lock files no process holds: both are safe to remove
    // once they are older than any write or batch still running could make them.
    private static int RemoveLeftovers(string cacheDirectory, DateTime utcNow)
    {
        var removed = 0;
        var directory = new DirectoryInfo(cacheDirectory);
        if (!directory.Exists)
        {
            return 0;
        }

        foreach (var file in directory.EnumerateFiles("*.tmp", SearchOption.AllDirectories))
        {
            if (utcNow - file.LastWriteTimeUtc > LeftoverAge && TryDelete(file))
            {
                removed++;
            }
        }

        var locks = new DirectoryInfo(Path.Combine(cacheDirectory, "locks"));
        var keysLock = new CacheStore(cacheDirectory).KeyLockPath;
        if (locks.Exists)
        {
            foreach (var file in locks.EnumerateFiles("*.lock", SearchOption.AllDirectories))
            {
                // keys.lock holds every key's record lock and is kept: a process holding keys in a removed file would
                // hold them alone. Lock files of one key each are what earlier versions left.
                if (utcNow - file.LastWriteTimeUtc <= LeftoverAge || file.FullName == keysLock)
                {
                    continue;
                }

                try
                {
                    // Held by a live process: opening it exclusively fails, and it stays.
                    using (new FileStream(file.FullName, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                    {
                    }

                    if (TryDelete(file))
                    {
                        removed++;
                    }
                }
                catch (IOException)
                {
                }
            }
        }

        return removed;
    }

    private static readonly TimeSpan LeftoverAge = TimeSpan.FromHours(1);

    private static bool TryDelete(FileInfo file)
    {
        try
        {
            file.Delete();
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static List<FileInfo> Entries(string cacheDirectory)
    {
        var directory = new DirectoryInfo(Path.Combine(cacheDirectory, "entries"));
        return directory.Exists ? [.. directory.EnumerateFiles("*.json", SearchOption.AllDirectories)] : [];
    }
}

/// <summary>What a cache directory holds.</summary>
public sealed record CacheStats(int Entries, long Bytes, DateTime? OldestUtc, DateTime? NewestUtc);

/// <summary>What a prune removed and kept; <paramref name="Leftovers"/> counts temp files of killed writers and unheld lock files removed.</summary>
public sealed record PruneResult(int Removed, long RemovedBytes, int Kept, long KeptBytes, int Leftovers = 0);

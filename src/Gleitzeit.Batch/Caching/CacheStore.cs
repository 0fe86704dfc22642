using System.Text;
using System.Text.Json;
using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Caching;

/// <summary>
/// Content-addressed cache entries as files: <c>entries/ab/abcd….json</c>, written atomically
/// (temp file + rename) so several processes may write at once; a corrupt entry is a miss plus a warning.
/// Beside them: what is remembered of each model (<c>models/</c>), the keys each batch used last (<c>batches/</c>)
/// and the in-flight locks that let processes sharing the cache send each key once (<c>locks/</c>).
/// </summary>
public sealed class CacheStore
{
    private readonly Action<string>? _warn;

    public CacheStore(string directory, Action<string>? warn = null)
    {
        Directory = Path.GetFullPath(directory);
        _warn = warn;
    }

    public string Directory { get; }

    internal string EntriesDirectory => Path.Combine(Directory, "entries");

    internal string LocksDirectory => Path.Combine(Directory, "locks");

    /// <summary>Whether an entry file exists for <paramref name="key"/> (not yet validated).</summary>
    public bool Contains(string key) => File.Exists(EntryPath(key));

    /// <summary>The entry for <paramref name="key"/>, or null on a miss or an unreadable entry.</summary>
    public CacheEntry? TryGet(string key)
    {
        var path = EntryPath(key);
        if (!File.Exists(path))
        {
            // A miss costs one stat, not a failed open and its exception (the usual case for every key sent).
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when ((ex is IOException or UnauthorizedAccessException) && System.IO.Directory.Exists(path))
        {
            // A directory where the entry belongs holds no answer; storing one there is what fails, and says so.
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _warn?.Invoke($"{path}: cache entry could not be read ({ex.Message}); treating it as a miss");
            return null;
        }

        try
        {
            var entry = JsonSerializer.Deserialize(bytes, CacheJsonContext.Default.CacheEntry);
            if (entry is null || entry.Key != key || CacheKey.HashOf(entry.Inputs) != key)
            {
                _warn?.Invoke($"{path}: cache entry does not match its key; treating it as a miss (it will be replaced)");
                return null;
            }

            return entry;
        }
        catch (JsonException)
        {
            _warn?.Invoke($"{path}: cache entry is corrupt or truncated; treating it as a miss (it will be replaced)");
            return null;
        }
    }

    /// <summary>Writes an entry atomically; a concurrent writer of the same key leaves one whole file.</summary>
    /// <exception cref="IOException">The entry could not be written (disk full, a directory in its place…).</exception>
    /// <exception cref="UnauthorizedAccessException">The cache directory is not writable.</exception>
    public void Put(CacheEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        AtomicFile.Write(EntryPath(entry.Key), JsonSerializer.SerializeToUtf8Bytes(entry, CacheJsonContext.Default.CacheEntry));
    }

    /// <summary>Marks an entry as just used, so pruning removes the least recently used first.</summary>
    public void Touch(string key)
    {
        try
        {
            File.SetLastWriteTimeUtc(EntryPath(key), DateTime.UtcNow);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>What was last seen of <paramref name="model"/>, so cached batches work with the server down; null when nothing.</summary>
    public ModelMemo? GetRememberedModel(string model)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(ModelPath(model)), CacheJsonContext.Default.ModelMemo);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Remembers what the server said of <paramref name="model"/> (written only when it changed).</summary>
    /// <exception cref="IOException">The cache directory is not writable.</exception>
    public void RememberModel(string model, ModelMemo memo)
    {
        ArgumentNullException.ThrowIfNull(memo);
        var known = GetRememberedModel(model);
        if (known?.Digest != memo.Digest || known?.ContextLength != memo.ContextLength)
        {
            AtomicFile.Write(ModelPath(model), JsonSerializer.SerializeToUtf8Bytes(memo, CacheJsonContext.Default.ModelMemo));
        }
    }

    /// <summary>The model digest last seen for <paramref name="model"/>.</summary>
    public string? GetRememberedDigest(string model) => GetRememberedModel(model)?.Digest;

    /// <summary>Remembers the digest seen for <paramref name="model"/>, keeping what else is known of it.</summary>
    public void RememberDigest(string model, string digest) =>
        RememberModel(model, new ModelMemo { Digest = digest, ContextLength = GetRememberedModel(model)?.ContextLength });

    /// <summary>The keys the previous run of a batch used, by item; empty when unknown.</summary>
    public IReadOnlyDictionary<string, string> LoadBatchIndex(string indexId)
    {
        try
        {
            var bytes = File.ReadAllBytes(IndexPath(indexId));
            return JsonSerializer.Deserialize(bytes, CacheJsonContext.Default.DictionaryStringString) ?? [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return new Dictionary<string, string>();
        }
    }

    /// <summary>Records the keys a batch used, for explaining the next run's misses.</summary>
    public void SaveBatchIndex(string indexId, IReadOnlyDictionary<string, string> keysByItem)
    {
        var sorted = new SortedDictionary<string, string>(keysByItem.ToDictionary(), StringComparer.Ordinal);
        AtomicFile.Write(IndexPath(indexId), JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>(sorted), CacheJsonContext.Default.DictionaryStringString));
    }

    internal string EntryPath(string key) => Path.Combine(EntriesDirectory, key[..2], key + ".json");

    internal string KeyLockPath => Path.Combine(LocksDirectory, "keys.lock");

    internal string LockPath(string key) => Path.Combine(LocksDirectory, key[..2], key + ".lock");

    private string ModelPath(string model) => Path.Combine(Directory, "models", SafeName(model) + ".json");

    private string IndexPath(string indexId) => Path.Combine(Directory, "batches", SafeName(indexId) + ".json");

    private static string SafeName(string name)
    {
        var safe = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        }

        return safe.ToString();
    }
}

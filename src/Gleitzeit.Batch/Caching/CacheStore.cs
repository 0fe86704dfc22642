using System.Text.Json;
using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Caching;

/// <summary>
/// Content-addressed cache entries as files: <c>entries/ab/abcd….json</c>, written atomically
/// (temp file + rename) so several processes may write at once; a corrupt entry is a miss plus a warning.
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

    /// <summary>Whether an entry file exists for <paramref name="key"/> (not yet validated).</summary>
    public bool Contains(string key) => File.Exists(EntryPath(key));

    /// <summary>The entry for <paramref name="key"/>, or null on a miss or an unreadable entry.</summary>
    public CacheEntry? TryGet(string key)
    {
        var path = EntryPath(key);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException ex)
        {
            _warn?.Invoke($"{path}: cache entry could not be read ({ex.Message}); treating it as a miss");
            return null;
        }

        try
        {
            var entry = JsonSerializer.Deserialize(bytes, GleitzeitJsonContext.Default.CacheEntry);
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
    public void Put(CacheEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        AtomicFile.Write(EntryPath(entry.Key), JsonSerializer.SerializeToUtf8Bytes(entry, GleitzeitJsonContext.Default.CacheEntry));
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

    /// <summary>The model digest last seen for <paramref name="model"/>, so cached batches work with the server down.</summary>
    public string? GetRememberedDigest(string model)
    {
        try
        {
            var text = File.ReadAllText(DigestPath(model)).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Remembers the digest seen for <paramref name="model"/>.</summary>
    public void RememberDigest(string model, string digest)
    {
        if (GetRememberedDigest(model) != digest)
        {
            AtomicFile.Write(DigestPath(model), System.Text.Encoding.UTF8.GetBytes(digest + "\n"));
        }
    }

    /// <summary>The keys the previous run of a batch used, by item; empty when unknown.</summary>
    public IReadOnlyDictionary<string, string> LoadBatchIndex(string indexId)
    {
        try
        {
            var bytes = File.ReadAllBytes(IndexPath(indexId));
            return JsonSerializer.Deserialize(bytes, GleitzeitJsonContext.Default.DictionaryStringString) ?? [];
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
        AtomicFile.Write(IndexPath(indexId), JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>(sorted), GleitzeitJsonContext.Default.DictionaryStringString));
    }

    internal string EntryPath(string key) => Path.Combine(EntriesDirectory, key[..2], key + ".json");

    private string DigestPath(string model) => Path.Combine(Directory, "models", SafeName(model) + ".digest");

    private string IndexPath(string indexId) => Path.Combine(Directory, "batches", SafeName(indexId) + ".json");

    private static string SafeName(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
}

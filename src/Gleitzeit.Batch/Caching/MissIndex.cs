using System.Security.Cryptography;
using System.Text;
using Gleitzeit.Batch.Planning;

namespace Gleitzeit.Batch.Caching;

/// <summary>
/// The keys each batch used in its last run, kept in the cache directory, so that a miss can be explained against what
/// the same batch (same source, name and root) asked last time.
/// </summary>
internal sealed class MissIndex(CacheStore cache, BatchPlan plan)
{
    private readonly Lazy<IReadOnlyDictionary<string, string>> _previous = new(() => cache.LoadBatchIndex(IdOf(plan)));

    /// <summary>Why <paramref name="current"/> missed for <paramref name="file"/>, against the key its previous run stored.</summary>
    public IReadOnlyList<string> Explain(string file, CacheKey current)
    {
        var previousKey = _previous.Value.GetValueOrDefault(file);
        var previous = previousKey is null || previousKey == current.Value ? null : cache.TryGet(previousKey);
        return CacheMissExplainer.Explain(previous, previousKey, current);
    }

    /// <summary>Adds the keys of the items that now have a stored answer.</summary>
    /// <exception cref="IOException">The cache directory is not writable.</exception>
    public void Save(IEnumerable<(string File, string Key)> answered)
    {
        var keys = new Dictionary<string, string>(cache.LoadBatchIndex(IdOf(plan)), StringComparer.Ordinal);
        foreach (var (file, key) in answered)
        {
            keys[file] = key;
        }

        cache.SaveBatchIndex(IdOf(plan), keys);
    }

    private static string IdOf(BatchPlan plan) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{plan.Source}\0{plan.Name}\0{plan.Root}")))[..32];
}

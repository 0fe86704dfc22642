namespace Gleitzeit.Cli.Json;

/// <summary><c>gleitzeit cache stats --json</c>.</summary>
/// <param name="LeastRecentlyUsed">UTC, ISO 8601; null for an empty cache.</param>
/// <param name="RecentBatches">How many recent batches the hit rate covers (at most 20).</param>
/// <param name="HitRate">from_cache / answers, 0–1; null when the recent batches answered nothing.</param>
internal sealed record CacheStatsJson(
    string CacheDirectory,
    int Entries,
    long Bytes,
    DateTime? LeastRecentlyUsed,
    DateTime? MostRecentlyUsed,
    int RecentBatches,
    int Answers,
    int FromCache,
    double? HitRate);

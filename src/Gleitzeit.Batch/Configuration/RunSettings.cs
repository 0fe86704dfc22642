using System.Globalization;
using Gleitzeit.Batch.Contract;

namespace Gleitzeit.Batch.Configuration;

/// <summary>
/// The settings of how a batch runs (retries, timeouts, concurrency, quotas, cache) that its record keeps, as text by
/// key, so that <c>batch-resume</c> runs the rest the way the batch was started: only those not left at their defaults.
/// </summary>
public static class RunSettings
{
    /// <summary>The rows a record keeps; provider, server, key variable and models directory are kept on their own.</summary>
    public static readonly SettingDefinition[] Kept =
    [
        Contract.Settings.RetryAttempts, Contract.Settings.MaxConcurrent, Contract.Settings.TimeoutPerFile, Contract.Settings.FirstChunkTimeout,
        Contract.Settings.IdleTimeout, Contract.Settings.RequestTimeout, Contract.Settings.RateLimitWait, Contract.Settings.RequestsPerMinute,
        Contract.Settings.TokensPerMinute, Contract.Settings.MaxTokensTotal, Contract.Settings.CacheMode, Contract.Settings.CacheDirectory,
        Contract.Settings.CheckModels, Contract.Settings.Execution, Contract.Settings.ChecksFail,
    ];

    /// <summary>The kept rows of <paramref name="settings"/> that were set by a layer above the defaults.</summary>
    public static SortedDictionary<string, string>? Of(BatchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var kept = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in Kept)
        {
            if (settings.OriginOf(setting) != SettingLayer.Default && Text(settings.Get(setting)) is { } text)
            {
                kept[setting.Key] = text;
            }
        }

        return kept.Count == 0 ? null : kept;
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        bool flag => flag ? "true" : "false",
        TimeSpan time => time.TotalSeconds.ToString("R", CultureInfo.InvariantCulture),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}

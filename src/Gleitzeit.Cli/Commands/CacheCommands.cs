using System.CommandLine;
using System.Globalization;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Results;
using Gleitzeit.Cli.Json;

namespace Gleitzeit.Cli.Commands;

/// <summary><c>gleitzeit cache stats</c> and <c>gleitzeit cache prune</c>.</summary>
internal sealed class CacheCommands(CliContext context)
{
    private const int RecentBatches = 20;

    public Command Build()
    {
        var settingsOptions = new SettingsOptions(Settings.CacheDirectory, Settings.ResultsDirectory);
        var stats = new Command("stats", "Entries, size, and hit rate of recent batches");
        settingsOptions.AddTo(stats);
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON (see docs/cli.md, \"Scripting\")" };
        stats.Options.Add(json);
        stats.SetAction((parse, _) => CliErrors.Guard(context, () =>
        {
            var settings = settingsOptions.Resolve(parse, context);
            var cache = CacheMaintenance.Stats(settings.CacheDirectory);
            var recent = new ResultStore(settings.ResultsDirectory).List().Records.Take(RecentBatches).ToList();
            var answered = recent.Sum(r => r.Successful);
            var hits = recent.Sum(r => r.Cached);
            if (parse.GetValue(json))
            {
                CliJsonContext.Write(
                    context.Out,
                    new CacheStatsJson(settings.CacheDirectory, cache.Entries, cache.Bytes, Utc(cache.OldestUtc), Utc(cache.NewestUtc), recent.Count, answered, hits, answered == 0 ? null : Math.Round((double)hits / answered, 4)),
                    c => c.CacheStatsJson);
                return Task.FromResult(ExitCodes.Success);
            }

            context.Out.WriteLine($"Cache: {settings.CacheDirectory}");
            context.Out.WriteLine($"Entries: {cache.Entries}");
            context.Out.WriteLine($"Size: {Size(cache.Bytes)}");
            if (cache.OldestUtc is { } oldest)
            {
                context.Out.WriteLine($"Least recently used: {oldest.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}; most recently: {cache.NewestUtc!.Value.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}");
            }

            context.Out.WriteLine(answered == 0
                ? "Hit rate: no recent batches"
                : string.Create(CultureInfo.InvariantCulture, $"Hit rate of the last {recent.Count} batches: {100.0 * hits / answered:0.0}% ({hits} of {answered} answers from cache)"));
            return Task.FromResult(ExitCodes.Success);
        }));

        var pruneOptions = new SettingsOptions(Settings.CacheDirectory);
        var maxSize = new Option<string?>("--max-size") { Description = "Remove least recently used entries until the cache is this small, e.g. 500MB" };
        var olderThan = new Option<string?>("--older-than") { Description = "Remove entries unused for this long, e.g. 30d, 12h" };
        var prune = new Command("prune", "Remove old or least recently used entries");
        prune.Options.Add(olderThan);
        pruneOptions.AddTo(prune);
        prune.Options.Add(maxSize);
        prune.SetAction((parse, _) => CliErrors.Guard(context, () =>
        {
            var size = parse.GetValue(maxSize) is { } s ? SettingsOptions.ParseSize(s, "--max-size") : (long?)null;
            var age = parse.GetValue(olderThan) is { } a ? SettingsOptions.ParseAge(a, "--older-than") : (TimeSpan?)null;
            if (size is null && age is null)
            {
                throw new CliException("say what to remove: --max-size 500MB and/or --older-than 30d");
            }

            var settings = pruneOptions.Resolve(parse, context);
            var result = CacheMaintenance.Prune(settings.CacheDirectory, size, age, DateTime.UtcNow);
            context.Out.WriteLine($"Removed {result.Removed} entries ({Size(result.RemovedBytes)}); kept {result.Kept} ({Size(result.KeptBytes)}) in {settings.CacheDirectory}{(result.Leftovers > 0 ? $"; also removed {result.Leftovers} leftover temp and lock files" : string.Empty)}");
            return Task.FromResult(ExitCodes.Success);
        }));

        var cache = new Command("cache", "Inspect and prune the content-hash cache");
        cache.Subcommands.Add(stats);
        cache.Subcommands.Add(prune);
        return cache;
    }

    private static DateTime? Utc(DateTime? time) => time is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null;

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024:0.0} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024 / 1024:0.00} GB"),
    };
}

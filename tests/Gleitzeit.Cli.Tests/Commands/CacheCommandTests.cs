namespace Gleitzeit.Cli.Tests.Commands;

public sealed class CacheCommandTests : IAsyncLifetime
{
    private CliHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await CliHarness.StartAsync();
        _h.ThreeDocs();
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Stats_CountsEntriesAndTheHitRateOfRecentBatches()
    {
        await _h.RunAsync("batch", "docs");
        await _h.RunAsync("batch", "docs");

        var result = await _h.RunAsync("cache", "stats");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Entries: 3", result.Out, StringComparison.Ordinal);
        Assert.Contains("Hit rate of the last 2 batches: 50.0% (3 of 6 answers from cache)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prune_OlderThan_RemovesUnusedEntries_SoTheNextBatchSendsAgain()
    {
        await _h.RunAsync("batch", "docs");
        foreach (var entry in Directory.GetFiles(Path.Combine(_h.Home, "cache", "entries"), "*.json", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(entry, DateTime.UtcNow.AddDays(-40));
        }

        var result = await _h.RunAsync("cache", "prune", "--older-than", "30d");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Removed 3 entries", result.Out, StringComparison.Ordinal);
        _h.Server.ClearLog();
        await _h.RunAsync("batch", "docs");
        Assert.Equal(3, _h.Server.ChatRequests.Count);
    }

    [Fact]
    public async Task Prune_MaxSize_KeepsTheMostRecentlyUsed()
    {
        await _h.RunAsync("batch", "docs");
        var entries = Directory.GetFiles(Path.Combine(_h.Home, "cache", "entries"), "*.json", SearchOption.AllDirectories);
        for (var i = 0; i < entries.Length; i++)
        {
            File.SetLastWriteTimeUtc(entries[i], DateTime.UtcNow.AddHours(i - entries.Length));
        }

        var newest = entries[^1];
        var limit = entries.Max(e => new FileInfo(e).Length) + 10;

        var result = await _h.RunAsync("cache", "prune", "--max-size", limit.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([newest], Directory.GetFiles(Path.Combine(_h.Home, "cache", "entries"), "*.json", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Prune_WithoutALimit_IsAUsageError()
    {
        var result = await _h.RunAsync("cache", "prune");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--older-than", result.Error, StringComparison.Ordinal);
    }
}

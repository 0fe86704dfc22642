using System.Text.Json;

namespace Gleitzeit.Cli.Tests.Commands;

/// <summary><c>--json</c> on batch-list, batch-show and cache stats: the shape docs/cli.md ("Scripting") documents, parsed as a script would.</summary>
public sealed class ScriptingJsonTests : IAsyncLifetime
{
    private CliHarness _h = null!;

    public async Task InitializeAsync() => _h = await CliHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task BatchList_Json_ListsEachBatchWithItsCounts()
    {
        _h.ThreeDocs();
        await _h.RunAsync("batch", "docs");
        await _h.RunAsync("batch", "docs");

        var result = await _h.RunAsync("batch-list", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain('\r', result.Out);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(_h.ResultsDirectory, json.RootElement.GetProperty("results_directory").GetString());
        var batches = json.RootElement.GetProperty("batches").EnumerateArray().ToList();
        Assert.Equal(2, batches.Count);
        var newest = batches[0];
        Assert.StartsWith("batch_", newest.GetProperty("batch_id").GetString(), StringComparison.Ordinal);
        Assert.Equal("cli", newest.GetProperty("source").GetString());
        Assert.Equal("completed", newest.GetProperty("status").GetString());
        Assert.Equal(3, newest.GetProperty("summary").GetProperty("total").GetInt32());
        Assert.Equal(3, newest.GetProperty("summary").GetProperty("cached").GetInt32());
        Assert.Equal(0, batches[1].GetProperty("summary").GetProperty("cached").GetInt32());
        Assert.True(newest.GetProperty("created_at").GetDateTimeOffset() >= batches[1].GetProperty("created_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task BatchList_Json_WithNoBatches_IsAnEmptyList()
    {
        var result = await _h.RunAsync("batch-list", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Empty(json.RootElement.GetProperty("batches").EnumerateArray());
    }

    [Fact]
    public async Task BatchShow_Json_HoldsEveryItemsWholeResultAndError()
    {
        _h.ThreeDocs();
        _h.Server.InjectFault(Gleitzeit.Testing.ServerFault.BadRequest, times: 5, match: "compiler");
        await _h.RunAsync("batch", "docs", "--prompt", "Summarize «this»");

        var result = await _h.RunAsync("batch-show", "last", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Summarize «this»", result.Out, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(result.Out);
        var root = json.RootElement;
        Assert.Equal("Summarize «this»", root.GetProperty("parameters").GetProperty("prompt").GetString());
        var items = root.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["meeting_notes.txt", "sample_story.txt", "technical_spec.txt"], items.Select(i => i.GetProperty("file").GetString()));
        var ok = items[0];
        Assert.Equal("success", ok.GetProperty("status").GetString());
        Assert.StartsWith("Reply ", ok.GetProperty("result").GetString(), StringComparison.Ordinal);
        Assert.Equal("llama3.2:latest", ok.GetProperty("model").GetString());
        var failed = items[1];
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("GZ2005", failed.GetProperty("error_code").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("result").ValueKind);
        Assert.Equal(1, root.GetProperty("batch").GetProperty("summary").GetProperty("failed").GetInt32());
    }

    [Fact]
    public async Task CacheStats_Json_CountsEntriesAndTheHitRate()
    {
        _h.ThreeDocs();
        await _h.RunAsync("batch", "docs");
        await _h.RunAsync("batch", "docs");

        var result = await _h.RunAsync("cache", "stats", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        var root = json.RootElement;
        Assert.Equal(Path.Combine(_h.Home, "cache"), root.GetProperty("cache_directory").GetString());
        Assert.Equal(3, root.GetProperty("entries").GetInt32());
        Assert.True(root.GetProperty("bytes").GetInt64() > 0);
        Assert.Equal(2, root.GetProperty("recent_batches").GetInt32());
        Assert.Equal(6, root.GetProperty("answers").GetInt32());
        Assert.Equal(3, root.GetProperty("from_cache").GetInt32());
        Assert.Equal(0.5, root.GetProperty("hit_rate").GetDouble());
        Assert.EndsWith("Z", root.GetProperty("most_recently_used").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownOptionOfASubcommand_PointsToThatSubcommandsHelp()
    {
        var result = await _h.RunAsync("cache", "stats", "--jsn");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Run `gleitzeit cache stats --help` for usage.", result.Error, StringComparison.Ordinal);
    }
}

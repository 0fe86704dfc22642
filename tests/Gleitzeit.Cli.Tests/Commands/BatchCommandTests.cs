using System.Text.Json;
using Gleitzeit.Testing;

namespace Gleitzeit.Cli.Tests.Commands;

public sealed class BatchCommandTests : IAsyncLifetime
{
    private CliHarness _h = null!;

    public async Task InitializeAsync() => _h = await CliHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Batch_OverADirectory_SendsEachFile_PrintsOneLinePerItem_AndExitsZero()
    {
        _h.ThreeDocs();

        var result = await _h.RunAsync("batch", "docs", "--pattern", "*.txt", "--prompt", "Summarize this document");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["meeting_notes.txt", "sample_story.txt", "technical_spec.txt"], _h.Server.ChatRequests.Select(c => c.FileName).Order(StringComparer.Ordinal));
        Assert.Equal("Summarize this document\n\nFile content from meeting_notes.txt:\nMeeting notes: ship on Friday.", _h.Server.ChatRequests.Single(c => c.FileName == "meeting_notes.txt").UserContent);
        Assert.Equal(3, result.Out.Split('\n').Count(l => l.Contains("] ok ", StringComparison.Ordinal)));
        Assert.Contains("3 files, 3 ok (0 from cache, 3 sent), 0 failed, 0 skipped", result.Out, StringComparison.Ordinal);
        Assert.Contains("Results saved to " + _h.ResultsDirectory, result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', result.Out);
    }

    [Fact]
    public async Task Batch_WithOutputFile_PicksTheFormatFromTheSuffix()
    {
        _h.ThreeDocs();

        var result = await _h.RunAsync("batch", "docs", "--output", "out/results.csv");

        Assert.Equal(0, result.ExitCode);
        var csv = File.ReadAllText(Path.Combine(_h.Root, "out", "results.csv"));
        Assert.StartsWith("file,status,result,processing_time,error\nmeeting_notes.txt,success,\"Reply ", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batch_FormatOverridesTheSuffix()
    {
        _h.ThreeDocs();

        await _h.RunAsync("batch", "docs", "--output", "results.txt", "--format", "markdown");

        // --output writes the reviewable artifact: named by the file, no run id or date, the prompt and model on top.
        Assert.StartsWith("# Batch Processing Results\n**Batch ID**: results  \n**Prompt**: Analyze this file  \n**Model**: llama3.2:latest (", File.ReadAllText(Path.Combine(_h.Root, "results.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batch_WithFiles_DefaultsToTheOriginalsPromptAndModel()
    {
        var a = _h.Write("a.txt", "alpha");
        _h.Write("b.txt", "beta");

        var result = await _h.RunAsync("batch", "--files", a, "docs/b.txt");

        Assert.Equal(0, result.ExitCode);
        Assert.All(_h.Server.ChatRequests, c => Assert.StartsWith("Analyze this file\n\nFile content from docs/", c.UserContent, StringComparison.Ordinal));
        Assert.All(_h.Server.ChatRequests, c => Assert.Equal("llama3.2:latest", c.Model));
    }

    [Fact]
    public async Task SecondBatch_IsServedFromTheCache_EvenWithNoServer()
    {
        _h.ThreeDocs();
        await _h.RunAsync("batch", "docs");
        _h.Server.ClearLog();

        var result = await _h.RunAsync("batch", "docs", "--endpoint", "http://127.0.0.1:1");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(_h.Server.Requests);
        Assert.Contains("3 ok (3 from cache, 0 sent)", result.Out, StringComparison.Ordinal);
        Assert.Equal(3, result.Out.Split('\n').Count(l => l.Contains("] cached ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task FailedItem_ExitsOne_WithAResumeHint_AndResumeSendsOnlyIt()
    {
        _h.ThreeDocs();
        _h.Server.InjectFault(ServerFault.InternalError, times: 3, match: "compiler");

        var result = await _h.RunAsync("batch", "docs", "--retries", "2");

        Assert.Equal(1, result.ExitCode);
        var id = result.Out.Split('\n').First(l => l.StartsWith("Batch batch_", StringComparison.Ordinal)).Split(' ', ':')[1];
        Assert.Contains($"gleitzeit batch-resume {id}", result.Error, StringComparison.Ordinal);
        Assert.Contains("failed  sample_story.txt: server error 500", result.Out, StringComparison.Ordinal);
        _h.Server.ClearLog();

        var resumed = await _h.RunAsync("batch-resume", id);

        Assert.Equal(0, resumed.ExitCode);
        Assert.Equal(["sample_story.txt"], _h.Server.ChatRequests.Select(c => c.FileName));
        var show = await _h.RunAsync("batch-show", id);
        Assert.Equal(3, show.Out.Split('\n').Count(l => l.StartsWith("success", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task DryRun_ListsCachedAndToSend_WithoutContactingTheServer()
    {
        _h.ThreeDocs();
        await _h.RunAsync("batch", "docs");
        _h.Write("technical_spec.txt", "The system shall cache by content hash. Edited.");
        _h.Server.ClearLog();

        var result = await _h.RunAsync("batch", "docs", "--dry-run");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(_h.Server.Requests);
        Assert.Contains("cached  meeting_notes.txt", result.Out, StringComparison.Ordinal);
        Assert.Contains("send    technical_spec.txt  (content changed)", result.Out, StringComparison.Ordinal);
        Assert.Contains("2 cached, 1 to send", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoCache_SendsEveryItemAgain()
    {
        _h.ThreeDocs();
        await _h.RunAsync("batch", "docs");

        await _h.RunAsync("batch", "docs", "--no-cache");

        Assert.Equal(6, _h.Server.ChatRequests.Count);
    }

    [Fact]
    public async Task LockedCacheMode_FailsMissesWithoutCalls()
    {
        _h.ThreeDocs();

        var result = await _h.RunAsync("batch", "docs", "--cache-mode", "Locked");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(_h.Server.ChatRequests);
        Assert.Contains("cache miss in Locked mode", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VisionBatch_SendsImagesToTheVisionModel()
    {
        File.WriteAllBytes(Path.Combine(_h.Docs, "pixel.png"), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]);

        var result = await _h.RunAsync("batch", "docs", "--pattern", "*.png", "--vision", "--prompt", "Describe this image");

        Assert.Equal(0, result.ExitCode);
        var chat = Assert.Single(_h.Server.ChatRequests);
        Assert.Equal("llava:latest", chat.Model);
        Assert.Single(chat.Messages[0].Images);
    }

    [Fact]
    public async Task InteractiveTerminal_ShowsTheLiveDisplay()
    {
        _h.ThreeDocs();

        var result = await _h.RunAsync(interactive: true, new Dictionary<string, string> { ["NO_COLOR"] = "1" }, "batch", "docs");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("━━━━", result.Out, StringComparison.Ordinal);
        Assert.True(result.Out.Contains("3/3 files", StringComparison.Ordinal), result.Out.Replace("\u001b", "ESC", StringComparison.Ordinal));
        Assert.Contains("Completed:", result.Out, StringComparison.Ordinal);
        Assert.Contains("Elapsed:", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchExport_WritesJsonToStandardOutput()
    {
        _h.ThreeDocs();
        await _h.RunAsync("batch", "docs");

        var result = await _h.RunAsync("batch-export", "last", "--format", "json");

        Assert.Equal(0, result.ExitCode);
        using var document = JsonDocument.Parse(result.Out);
        Assert.Equal(3, document.RootElement.GetProperty("summary").GetProperty("successful").GetInt32());
        Assert.Equal("meeting_notes.txt", document.RootElement.GetProperty("results")[0].GetProperty("file").GetString());
    }

    [Fact]
    public async Task BatchList_ShowsBatchesWithTheirSource()
    {
        _h.ThreeDocs();
        await _h.RunAsync("batch", "docs");

        var result = await _h.RunAsync("batch-list");

        var lines = result.Out.Trim().Split('\n');
        Assert.StartsWith("ID", lines[0], StringComparison.Ordinal);
        Assert.Contains("FROM", lines[0].Replace("CACHED", "FROM", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Matches(@"^batch_\S+\s+\S+ \S+\s+3\s+3\s+0\s+0\s+cli\s+completed$", lines[1]);
    }

    [Fact]
    public async Task ModifiedSince_LeavesOutOlderFiles_AsADurationOrADate_OnTheCommandLineOrInConfig()
    {
        _h.ThreeDocs();
        File.SetLastWriteTimeUtc(Path.Combine(_h.Docs, "sample_story.txt"), DateTime.UtcNow.AddDays(-10));

        var recent = await _h.RunAsync("batch", "docs", "--modified-since", "7d");

        Assert.Equal(0, recent.ExitCode);
        Assert.Equal(["meeting_notes.txt", "technical_spec.txt"], _h.Server.ChatRequests.Select(c => c.FileName!).Order(StringComparer.Ordinal));
        _h.Server.ClearLog();

        var sinceDate = await _h.RunAsync("batch", "docs", "--modified-since", "2000-01-01", "--no-cache");

        Assert.Equal(3, _h.Server.ChatRequests.Count);
        _h.Server.ClearLog();
        _h.Write("config.yaml", "batch:\n  modified_since: 7d\n", Path.Combine(_h.Root, ".gleitzeit"));

        var configured = await _h.RunAsync("batch", "docs", "--dry-run");

        Assert.DoesNotContain("sample_story.txt", configured.Out, StringComparison.Ordinal);
        Assert.Contains("2 files", configured.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModifiedSinceThatIsNeitherADateNorAnAge_IsOneError()
    {
        _h.ThreeDocs();

        var result = await _h.RunAsync("batch", "docs", "--modified-since", "last tuesday");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("invalid value 'last tuesday' for --modified-since", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndpointRepeated_SpreadsTheBatchOverBothServers()
    {
        for (var i = 0; i < 12; i++)
        {
            _h.Write($"doc{i:00}.txt", $"Document {i}.");
        }

        await using var second = await OllamaTestServer.StartAsync();
        _h.Server.Latency = TimeSpan.FromMilliseconds(50);
        second.Latency = TimeSpan.FromMilliseconds(50);

        var result = await _h.RunAsync("batch", "docs", "--endpoint", _h.Server.Endpoint, "--endpoint", second.Endpoint, "--concurrency", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(12, _h.Server.ChatRequests.Count + second.ChatRequests.Count);
        Assert.NotEmpty(second.ChatRequests);
        Assert.NotEmpty(_h.Server.ChatRequests);
    }
}

using System.Diagnostics;
using System.Text.Json;
using Gleitzeit.Batch.Results;
using Gleitzeit.Testing;

namespace Gleitzeit.Cli.Tests.Commands;

/// <summary>gleitzeit as a real child process against what real machines do: FIFOs, silent servers, other processes, secrets, unreadable folders.</summary>
public sealed class TrustTests : IAsyncLifetime
{
    private CliHarness _h = null!;

    public async Task InitializeAsync() => _h = await CliHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private void ShortTimeouts() =>
        _h.Write("config.yaml", "batch:\n  first_chunk_timeout: 0.5\n  request_timeout: 0.5\n  retry_attempts: 1\n", Path.Combine(_h.Root, ".gleitzeit"));

    [Fact]
    public async Task FifoAmongTheInputs_IsSkipped_AndTheBatchEnds()
    {
        _h.ThreeDocs();
        Unix.MakeFifo(Path.Combine(_h.Docs, "pipe.txt"));

        var result = await _h.RunProcessAsync("batch", "docs");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("skipped pipe.txt: a FIFO", result.Out, StringComparison.Ordinal);
        Assert.Equal(3, _h.Server.ChatRequests.Count);
    }

    [Fact]
    public async Task FifoNamedWithFiles_InADryRun_Ends()
    {
        Unix.MakeFifo(Path.Combine(_h.Root, "pipe.txt"));

        var result = await _h.RunProcessAsync("batch", "--files", "pipe.txt", "--dry-run");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("skip    pipe.txt", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerThatAcceptsButNeverAnswers_TheProcessEndsWithinItsBounds()
    {
        _h.ThreeDocs();
        ShortTimeouts();
        await using var silent = SilentServer.Start();
        var clock = Stopwatch.StartNew();

        var result = await _h.RunProcessAsync("batch", "docs", "--endpoint", silent.Endpoint);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("first-chunk limit", result.Out, StringComparison.Ordinal);
        Assert.Contains("0 sent", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FourProcessesOverOneCacheAtOnce_SendEachFileOnce()
    {
        for (var i = 0; i < 100; i++)
        {
            _h.Write($"doc{i:000}.txt", $"Document {i}.");
        }

        _h.Server.Latency = TimeSpan.FromMilliseconds(20);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _h.RunProcessAsync("batch", "docs")));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        Assert.Equal(100, _h.Server.ChatRequests.Count);
        Assert.Equal(100, _h.Server.ChatRequests.Select(c => c.FileName).Distinct().Count());
    }

    [Fact]
    public async Task ThreeResumesOfOneBatchAtOnce_OnlyOneRunsIt_TheOthersNameItsProcess()
    {
        for (var i = 0; i < 6; i++)
        {
            _h.Write($"doc{i}.txt", $"Document {i}.");
        }

        _h.Server.InjectFault(ServerFault.BadRequest, times: 6);
        var first = await _h.RunProcessAsync("batch", "docs");
        Assert.Equal(1, first.ExitCode);
        var id = new ResultStore(_h.ResultsDirectory).List()[0].BatchId;
        _h.Server.ClearLog();
        _h.Server.Latency = TimeSpan.FromMilliseconds(300);

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _h.RunProcessAsync("batch-resume", id)));

        Assert.Single(results, r => r.ExitCode == 0);
        var refused = results.Where(r => r.ExitCode != 0).ToList();
        Assert.Equal(2, refused.Count);
        Assert.All(refused, r =>
        {
            Assert.Equal(2, r.ExitCode);
            Assert.Matches($"error GZ4002: batch {id} is being run by process \\d+", r.Error);
        });
        Assert.Equal(6, _h.Server.ChatRequests.Count);
    }

    [Fact]
    public async Task CredentialsInTheEndpoint_AreSentAsBasicAuth_AndNeverWrittenOrPrinted()
    {
        _h.ThreeDocs();
        var canary = new SecretCanary();
        _h.Server.RequiredBasicAuth = "reader:" + canary.Value;
        var endpoint = _h.Server.Endpoint.Replace("http://", $"http://reader:{canary.Value}@", StringComparison.Ordinal) + "?token=" + canary.Value;

        var ok = await _h.RunProcessAsync("batch", "docs", "--endpoint", endpoint, "--output", "out.json");
        var answered = _h.Server.ChatRequests.Count;
        var missing = await _h.RunProcessAsync("batch", "docs", "--endpoint", endpoint, "--model", "absent:1b");
        var resumed = await _h.RunProcessAsync(new Dictionary<string, string> { ["OLLAMA_HOST"] = endpoint }, "batch-resume", "last");
        var shown = await _h.RunProcessAsync("batch-show", "last");

        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal(3, answered);
        Assert.Contains("http://***@127.0.0.1", missing.Error, StringComparison.Ordinal);
        canary.AssertNowhere([_h.Root], ok.Out, ok.Error, missing.Out, missing.Error, resumed.Out, resumed.Error, shown.Out, shown.Error);
    }

    [Fact]
    public async Task UnreadableSubdirectory_IsReported_AndTheRestRuns()
    {
        _h.Write("a.txt", "Alpha");
        _h.Write("locked/b.txt", "Beta");
        _h.Write("open/c.txt", "Gamma");
        _h.OpenToEveryone();
        var result = await _h.RunUnprivilegedAsync("batch", "docs", "--recursive");
        Assert.True(result.ExitCode == 0, result.ToString());
        _h.Server.ClearLog();
        _h.Write("open/d.txt", "Delta");
        _h.OpenToEveryone();
        Unix.Run("chmod", "000", Path.Combine(_h.Docs, "locked"));

        result = await _h.RunUnprivilegedAsync("batch", "docs", "--recursive");

        Unix.Run("chmod", "755", Path.Combine(_h.Docs, "locked"));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("locked/: cannot read this directory", result.Error, StringComparison.Ordinal);
        Assert.Contains("3 files", result.Out, StringComparison.Ordinal);
        Assert.Equal(["open/d.txt"], _h.Server.ChatRequests.Select(c => c.FileName));
    }

    [Fact]
    public async Task NewlineInAFileName_StaysOneLinePerItem()
    {
        _h.Write("two\nlines.txt", "Odd name.");
        _h.Write("plain.txt", "Plain name.");

        var result = await _h.RunProcessAsync("batch", "docs");

        Assert.True(result.ExitCode == 0, result.ToString());
        var items = result.Out.Split('\n').Where(l => l.Contains("] ok ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, items.Count);
        Assert.Contains(items, l => l.Contains("two\\nlines.txt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DamagedRecord_IsNamedByItsPath_InShowResumeAndList()
    {
        _h.ThreeDocs();
        await _h.RunProcessAsync("batch", "docs");
        await _h.RunProcessAsync("batch", "docs");
        var store = new ResultStore(_h.ResultsDirectory);
        var damaged = store.List()[0].BatchId;
        var path = store.RecordPath(damaged);
        File.WriteAllText(path, File.ReadAllText(path)[..50]);

        var show = await _h.RunProcessAsync("batch-show", damaged);
        var resume = await _h.RunProcessAsync("batch-resume", damaged);
        var list = await _h.RunProcessAsync("batch-list");

        foreach (var result in new[] { show, resume })
        {
            Assert.Equal(2, result.ExitCode);
            Assert.StartsWith(path + ": error GZ3004: ", result.Error, StringComparison.Ordinal);
            Assert.Contains("damaged", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        }

        Assert.Equal(0, list.ExitCode);
        Assert.Contains(path, list.Error, StringComparison.Ordinal);
        Assert.Single(list.Out.Split('\n'), l => l.StartsWith("batch_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoServer_EachConditionIsOneLine_NotOnePerItemAndAttempt()
    {
        for (var i = 0; i < 8; i++)
        {
            _h.Write($"doc{i}.txt", $"Document {i}.");
        }

        var result = await _h.RunProcessAsync("batch", "docs", "--endpoint", "http://127.0.0.1:1");

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Split('\n'), l => l.Contains("ollama serve", StringComparison.Ordinal));
        Assert.True(result.Error.Split('\n').Count(l => l.StartsWith("retry:", StringComparison.Ordinal)) <= 3, result.Error);
        Assert.Contains("Connection refused", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KilledInItsFirstMilliseconds_NeverLeavesAnEmptyOrHalfRecord()
    {
        _h.ThreeDocs();
        for (var trial = 0; trial < 12; trial++)
        {
            using var process = _h.Start("batch", "docs");
            Thread.Sleep(trial * 4);
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        foreach (var record in Directory.Exists(_h.ResultsDirectory) ? Directory.GetFiles(_h.ResultsDirectory, "batch_*.json") : [])
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(record));
            Assert.True(document.RootElement.TryGetProperty("plan", out _), record);
        }
    }

    [Fact]
    public async Task HugePrompt_IsStoredOnceInTheRecord_AndShortenedInTheTitle()
    {
        _h.ThreeDocs();
        var prompt = "Summarize, with care: " + string.Concat(Enumerable.Repeat("lorem ipsum dolor ", 3000));

        var result = await _h.RunProcessAsync("batch", "docs", "--prompt", prompt);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Out.Split('\n')[0].Length < 200, result.Out.Split('\n')[0]);
        var record = File.ReadAllText(Directory.GetFiles(_h.ResultsDirectory, "batch_*.json").Single());
        Assert.Equal(1, (record.Length - record.Replace(prompt[..200], string.Empty, StringComparison.Ordinal).Length) / 200);
    }
}

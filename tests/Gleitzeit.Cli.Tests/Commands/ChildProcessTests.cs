using System.Diagnostics;
using Gleitzeit.Testing;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Cli.Tests.Commands;

/// <summary>gleitzeit as a real child process: exit codes, streams, and a SIGKILL mid-batch that loses nothing.</summary>
public sealed class ChildProcessTests : IAsyncLifetime
{
    private CliHarness _h = null!;

    public async Task InitializeAsync() => _h = await CliHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Batch_AsAChildProcess_WritesPlainLinesAndExitsZero()
    {
        _h.ThreeDocs();

        var result = await _h.RunProcessAsync("batch", "docs", "--output", "results.json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, _h.Server.ChatRequests.Count);
        Assert.DoesNotContain('\u001b', result.Out);
        Assert.True(File.Exists(Path.Combine(_h.Root, "results.json")));
    }

    [Theory]
    [InlineData("HTTP_PROXY")]
    [InlineData("ALL_PROXY")]
    public async Task ADeadProxy_IsNamedWithItsVariable_NotBlamedOnTheModelServer(string variable)
    {
        _h.ThreeDocs();
        var proxy = new Dictionary<string, string>
        {
            [variable] = "http://user:pw-secret@127.0.0.1:9",
            ["NO_PROXY"] = string.Empty,
            ["no_proxy"] = string.Empty,
        };

        var result = await _h.RunProcessAsync(proxy, "batch", "docs", "--retries", "0");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"cannot reach the proxy http://***@127.0.0.1:9 ({variable}) on the way to {_h.Server.Endpoint}", result.Error, StringComparison.Ordinal);
        Assert.Contains("NO_PROXY", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot reach the model server", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-secret", result.Out + result.Error, StringComparison.Ordinal);
        Assert.Empty(_h.Server.Requests);
    }

    [Fact]
    public async Task ADeadProxy_ThatNoProxyBypasses_IsNotInTheWay()
    {
        _h.ThreeDocs();
        var proxy = new Dictionary<string, string> { ["HTTP_PROXY"] = "http://127.0.0.1:9", ["NO_PROXY"] = "127.0.0.1" };

        var result = await _h.RunProcessAsync(proxy, "batch", "docs", "--retries", "0");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, _h.Server.ChatRequests.Count);
    }

    [Fact]
    public async Task UnreachableServer_AsAChildProcess_ExitsTwoWithTheHint()
    {
        _h.ThreeDocs();

        var result = await _h.RunProcessAsync("batch", "docs", "--endpoint", "http://127.0.0.1:1", "--retries", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ollama serve", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.Contains("3 files, 0 ok (0 from cache, 0 sent), 0 failed, 0 skipped, 3 not run", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Signals.Interrupt)]
    [InlineData(Signals.Terminate)]
    public async Task InterruptedMidBatch_ExitsCancelled_KeepsFinishedItems_AndResumeSendsOnlyTheRest(int signal)
    {
        for (var i = 0; i < 12; i++)
        {
            _h.Write($"doc{i:00}.txt", $"Document number {i}.");
        }

        _h.Server.Latency = TimeSpan.FromMilliseconds(250);
        using var process = _h.Start("batch", "docs", "--concurrency", "2");
        var stderr = process.StandardError.ReadToEndAsync();
        var store = new ResultStore(_h.ResultsDirectory);
        var record = await WaitForSuccessesAsync(process, store, 3);
        var stdout = process.StandardOutput.ReadToEndAsync();

        Assert.Equal(0, Signals.Send(process.Id, signal));
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await process.WaitForExitAsync(timeout.Token);
        }

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
        Assert.Contains($"gleitzeit batch-resume {record.BatchId}", await stderr, StringComparison.Ordinal);
        var interrupted = store.Load(record.BatchId)!;
        Assert.Equal(BatchStatus.Cancelled, interrupted.Status);
        var finished = interrupted.Results.Values.Where(r => r.Status == ItemResult.Success).Select(r => r.File).ToList();
        Assert.InRange(finished.Count, 3, 11);
        _h.Server.ClearLog();
        _h.Server.Latency = TimeSpan.Zero;

        var resumed = await _h.RunProcessAsync("batch-resume", record.BatchId);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Empty(_h.Server.ChatRequests.Select(c => c.FileName!).Intersect(finished));
        Assert.Equal(12 - finished.Count, _h.Server.ChatRequests.Count);
        Assert.Equal(12, store.Load(record.BatchId)!.Successful);
    }

    [Fact]
    public async Task KilledMidBatch_ResumeCompletesIt_WithoutResendingFinishedItems()
    {
        for (var i = 0; i < 12; i++)
        {
            _h.Write($"doc{i:00}.txt", $"Document number {i}.");
        }

        _h.Server.Latency = TimeSpan.FromMilliseconds(250);
        using var process = _h.Start("batch", "docs", "--concurrency", "2");
        var store = new ResultStore(_h.ResultsDirectory);
        var record = await WaitForSuccessesAsync(process, store, 3);

        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();

        var killed = store.Load(record.BatchId)!;
        Assert.Equal(BatchStatus.Running, killed.Status);
        var finished = killed.Results.Values.Where(r => r.Status == ItemResult.Success).Select(r => r.File).ToList();
        Assert.InRange(finished.Count, 3, 11);
        var sentBefore = _h.Server.ChatRequests.Select(c => c.FileName!).ToList();
        Assert.Subset(sentBefore.ToHashSet(), finished.ToHashSet());
        _h.Server.ClearLog();
        _h.Server.Latency = TimeSpan.Zero;

        var resumed = await _h.RunProcessAsync("batch-resume", record.BatchId);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var resent = _h.Server.ChatRequests.Select(c => c.FileName!).ToList();
        Assert.Empty(resent.Intersect(finished));
        Assert.Equal(12 - finished.Count, resent.Count);
        var completed = store.Load(record.BatchId)!;
        Assert.Equal(BatchStatus.Completed, completed.Status);
        Assert.Equal(12, completed.Successful);
    }

    // The plain output prints an item's line after its journal line is written: reading the lines as they come is
    // the event to wait for, with no polling and no sleeping.
    private static async Task<BatchRecord> WaitForSuccessesAsync(Process process, ResultStore store, int successes)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = 0;
        while (seen < successes && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Contains("] ok ", StringComparison.Ordinal))
            {
                seen++;
            }
        }

        var record = store.List().FirstOrDefault();
        return record is not null && record.Successful >= successes
            ? record
            : throw new InvalidOperationException($"the batch printed {seen} finished items, and its record holds {record?.Successful ?? 0}");
    }
}

using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Results;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Execution;

public sealed class FaultHandlingTests : IAsyncLifetime
{
    private BatchHarness _h = null!;
    private SteppedClock _clock = null!;

    public async Task InitializeAsync()
    {
        _h = await BatchHarness.StartAsync();
        // Limits of a minute that a slow CI machine never meets; the clock jumps past them once the server holds every request.
        _clock = SteppedClock.For(_h.Server, TimeSpan.FromSeconds(5));
        _h.Time = _clock;
        _h.Settings = _h.Workspace.Settings(_h.Server.Endpoint) with
        {
            FirstChunkTimeout = TimeSpan.FromSeconds(60),
            IdleTimeout = TimeSpan.FromSeconds(60),
        };
        _h.Workspace.Write("a.txt", "Alpha");
        _h.Workspace.Write("b.txt", "Beta");
        _h.Workspace.Write("c.txt", "Gamma");
    }

    public async Task DisposeAsync()
    {
        await _clock.DisposeAsync();
        await _h.DisposeAsync();
    }

    public static TheoryData<ServerFault> TransientFaults => new()
    {
        ServerFault.InternalError,
        ServerFault.Busy,
        ServerFault.Hang,
        ServerFault.StallMidStream,
        ServerFault.ErrorMidStream,
        ServerFault.CutMidStream,
    };

    [Theory]
    [MemberData(nameof(TransientFaults))]
    public async Task TransientFault_IsRetried_AndTheItemSucceeds(ServerFault fault)
    {
        _h.Server.InjectFault(fault, times: 2, match: "Beta");

        var outcome = await _h.RunAsync();

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)));
        Assert.Equal(3, _h.Server.ChatRequests.Count(c => c.FileName == "b.txt"));
        // One line per condition and attempt; a busy server's waits of the same length are one line.
        Assert.Equal(fault == ServerFault.Busy ? 1 : 2, _h.Events.Count(e => e.Kind == BatchEventKind.Retrying));
        Assert.Equal(OllamaTestServer.ReplyFor(_h.Server.ChatRequests.Last(c => c.FileName == "b.txt").UserContent), outcome.Record.Results["b.txt"].Result);
    }

    [Theory]
    [InlineData(ServerFault.InternalError, DiagnosticCodes.ServerError, "llama runner process has terminated")]
    [InlineData(ServerFault.Hang, DiagnosticCodes.Timeout, "first-chunk limit")]
    [InlineData(ServerFault.StallMidStream, DiagnosticCodes.Timeout, "stalled")]
    [InlineData(ServerFault.ErrorMidStream, DiagnosticCodes.ServerError, "unexpected EOF")]
    [InlineData(ServerFault.CutMidStream, DiagnosticCodes.ServerError, "")]
    public async Task PersistentFault_IsRetriedThreeTimes_ThenReported_WhileOthersSucceed(ServerFault fault, string code, string message)
    {
        _h.Server.InjectFault(fault, times: 100, match: "Beta");

        var outcome = await _h.RunAsync();

        Assert.Equal(3, _h.Server.ChatRequests.Count(c => c.FileName == "b.txt"));
        var b = outcome.Record.Results["b.txt"];
        Assert.Equal(ItemResult.Failed, b.Status);
        Assert.Equal(code, b.ErrorCode);
        Assert.Contains(message, b.Error, StringComparison.Ordinal);
        Assert.Equal(2, outcome.Record.Successful);
        Assert.Equal(BatchStatus.Completed, outcome.Record.Status);
    }

    [Fact]
    public async Task FailedItem_IsNeverCached_AndTheNextRunSendsOnlyIt()
    {
        _h.Server.InjectFault(ServerFault.InternalError, times: 3, match: "Beta");
        await _h.RunAsync();
        _h.Server.ClearLog();

        var outcome = await _h.RunAsync();

        Assert.Equal(["b.txt"], _h.Server.ChatRequests.Select(c => c.FileName));
        Assert.True(outcome.AllSucceeded);
    }

    [Fact]
    public async Task PersistentlyBusyServer_IsWaitedForUntilTheRateLimitWaitIsSpent_ThenTheItemFails()
    {
        _h.Server.InjectFault(ServerFault.Busy, times: 1000, match: "Beta");

        var outcome = await _h.RunAsync(settings: _h.CurrentSettings with { RateLimitWait = TimeSpan.FromMilliseconds(400) });

        var b = outcome.Record.Results["b.txt"];
        Assert.Equal(ItemResult.Failed, b.Status);
        Assert.Equal(DiagnosticCodes.ServerError, b.ErrorCode);
        Assert.Contains("server busy", b.Error, StringComparison.Ordinal);
        Assert.InRange(_h.Server.ChatRequests.Count(c => c.FileName == "b.txt"), 4, 12);
        Assert.Equal(2, outcome.Record.Successful);
    }

    [Fact]
    public async Task BadRequest_IsNotRetried()
    {
        _h.Server.InjectFault(ServerFault.BadRequest, times: 100, match: "Beta");

        var outcome = await _h.RunAsync();

        Assert.Single(_h.Server.ChatRequests, c => c.FileName == "b.txt");
        Assert.Equal(DiagnosticCodes.RequestRejected, outcome.Record.Results["b.txt"].ErrorCode);
        Assert.Contains("invalid options", outcome.Record.Results["b.txt"].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingModel_StopsTheBatchAtOnce_WithOneErrorSayingHowToFixIt()
    {
        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "mistral:7b")));

        Assert.Equal(BatchStatus.Aborted, outcome.Record.Status);
        Assert.Equal(DiagnosticCodes.ModelNotFound, outcome.Record.ErrorCode);
        Assert.Contains("ollama pull mistral:7b", outcome.Record.Error, StringComparison.Ordinal);
        Assert.Empty(outcome.Record.Results);
        Assert.Equal(3, outcome.Record.Unfinished.Count());
    }

    [Fact]
    public async Task ModelRemoved_StopsTheBatch_WhileCachedItemsAreStillServed()
    {
        await _h.RunAsync();
        _h.Workspace.Write("a.txt", "Alpha edited");
        _h.Workspace.Write("b.txt", "Beta edited");
        _h.Server.RemoveModel("llama3.2:latest");
        _h.Server.ClearLog();

        var outcome = await _h.RunAsync();

        Assert.Equal(BatchStatus.Aborted, outcome.Record.Status);
        Assert.Contains("ollama pull llama3.2:latest", outcome.Record.Error, StringComparison.Ordinal);
        Assert.True(outcome.Record.Results["c.txt"].Cached);
        Assert.Equal(["a.txt", "b.txt"], outcome.Record.Unfinished.Select(i => i.File));
    }

    [Fact]
    public async Task ModelNotFoundFromChat_StopsTheBatchAtOnce_LeavingTheRestUnfinished()
    {
        _h.Server.InjectFault(ServerFault.ModelNotFound, times: 100, match: "Beta");

        var outcome = await _h.RunAsync(settings: _h.CurrentSettings with { MaxConcurrent = 1, FirstChunkTimeout = TimeSpan.FromSeconds(30) });

        Assert.Equal(BatchStatus.Aborted, outcome.Record.Status);
        Assert.Equal(DiagnosticCodes.ModelNotFound, outcome.Record.ErrorCode);
        Assert.Contains("ollama pull llama3.2:latest", outcome.Record.Error, StringComparison.Ordinal);
        Assert.Equal(["a.txt", "b.txt"], _h.Server.ChatRequests.Select(c => c.FileName));
        Assert.Equal(ItemResult.Success, outcome.Record.Results["a.txt"].Status);
        Assert.Equal(["b.txt", "c.txt"], outcome.Record.Unfinished.Select(i => i.File));
        Assert.Equal(1, outcome.Sent);
        Assert.Equal(2, outcome.Record.NotRun);
    }

    [Fact]
    public async Task UnreachableServer_GivesOneErrorNamingTheEndpoint()
    {
        var settings = _h.CurrentSettings with { Endpoint = "http://127.0.0.1:1" };

        var outcome = await _h.RunAsync(settings: settings);

        Assert.Equal(BatchStatus.Aborted, outcome.Record.Status);
        Assert.Equal(DiagnosticCodes.ServerUnreachable, outcome.Record.ErrorCode);
        Assert.Contains("http://127.0.0.1:1", outcome.Record.Error, StringComparison.Ordinal);
        Assert.Contains("ollama serve", outcome.Record.Error, StringComparison.Ordinal);
        Assert.Empty(outcome.Record.Results);
        Assert.Equal(0, outcome.Sent);
        Assert.Equal(3, outcome.Record.NotRun);
    }

    [Fact]
    public async Task ConcurrencyAboveTheServersSlots_QueuesWithoutTimeouts()
    {
        _h.Server.SetSlots(1);
        _h.Server.Latency = TimeSpan.FromMilliseconds(150);
        for (var i = 0; i < 6; i++)
        {
            _h.Workspace.Write($"q{i}.txt", $"queued {i}");
        }

        // Each waits up to 6 × 150 ms in the server's queue: longer than the per-chunk idle limit, well within the first-chunk one.
        var outcome = await _h.RunAsync(settings: _h.CurrentSettings with { MaxConcurrent = 8, FirstChunkTimeout = TimeSpan.FromSeconds(30), IdleTimeout = TimeSpan.FromMilliseconds(200) });

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)));
        Assert.Equal(9, _h.Server.ChatRequests.Count);
    }

    [Fact]
    public async Task Cancellation_StopsInFlightCalls_KeepsFinishedItems_AndResumeSendsOnlyTheRest()
    {
        _h.Server.Latency = TimeSpan.FromMilliseconds(300);
        for (var i = 0; i < 5; i++)
        {
            _h.Workspace.Write($"z{i}.txt", $"zeta {i}");
        }

        using var cancel = new CancellationTokenSource();
        var settings = _h.CurrentSettings with { MaxConcurrent = 2, FirstChunkTimeout = TimeSpan.FromSeconds(30) };
        var running = _h.RunAsync(settings: settings, cancellationToken: cancel.Token);
        while (!_h.Events.ToArray().Any(e => e.Kind == BatchEventKind.Completed))
        {
            await Task.Delay(10);
        }

        await cancel.CancelAsync();
        var outcome = await running;

        Assert.Equal(BatchStatus.Cancelled, outcome.Record.Status);
        var finished = outcome.Record.Results.Values.Where(r => r.Status == ItemResult.Success).Select(r => r.File).ToList();
        Assert.NotEmpty(finished);
        Assert.True(finished.Count < 8);
        var reloaded = _h.Store.Load(outcome.Record.BatchId)!;
        Assert.Equal(finished, reloaded.Results.Values.Where(r => r.Status == ItemResult.Success).Select(r => r.File));

        _h.Server.ClearLog();
        var resumed = await _h.ResumeAsync(outcome.Record.BatchId, settings);

        Assert.True(resumed.AllSucceeded);
        Assert.Equal(outcome.Record.BatchId, resumed.Record.BatchId);
        Assert.Empty(_h.Server.ChatRequests.Select(c => c.FileName).Intersect(finished));
        Assert.Equal(8, _h.Store.Load(outcome.Record.BatchId)!.Successful);
    }
}

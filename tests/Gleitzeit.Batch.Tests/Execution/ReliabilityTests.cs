using System.Diagnostics;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Results;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Execution;

/// <summary>What a batch must survive: a cache it cannot write, a server that never answers or is busy, other processes on the same cache.</summary>
public sealed class ReliabilityTests : IAsyncLifetime
{
    private BatchHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await BatchHarness.StartAsync();
        _h.Workspace.Write("a.txt", "Alpha");
        _h.Workspace.Write("b.txt", "Beta");
        _h.Workspace.Write("c.txt", "Gamma");
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task CacheThatCannotBeWritten_KeepsEveryAnswer_WithOneWarningNamingTheCache()
    {
        Directory.CreateDirectory(_h.Workspace.CacheDirectory);
        File.WriteAllText(Path.Combine(_h.Workspace.CacheDirectory, "entries"), "a file where the entries directory should be");

        var outcome = await _h.RunAsync();

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)));
        Assert.All(outcome.Record.Results.Values, r => Assert.StartsWith("Reply ", r.Result, StringComparison.Ordinal));
        var warning = Assert.Single(_h.Events, e => e.Kind == BatchEventKind.Warning);
        Assert.Contains(_h.Workspace.CacheDirectory, warning.Message, StringComparison.Ordinal);
        Assert.Equal(DiagnosticCodes.OutputWriteFailed, warning.Code);
        Assert.Equal(3, _h.Store.Load(outcome.Record.BatchId)!.Successful);
    }

    [Fact]
    public async Task DirectoryWhereAnEntryShouldGo_TheAnswerIsKept_AndTheItemSucceeds()
    {
        var first = await _h.RunAsync(settings: _h.CurrentSettings with { CacheMode = Gleitzeit.Batch.Configuration.CacheMode.ReadOnly });
        var key = first.Record.Results["b.txt"].CacheKey!;
        Directory.CreateDirectory(new CacheStore(_h.Workspace.CacheDirectory).EntryPath(key));
        _h.Server.ClearLog();

        var outcome = await _h.RunAsync();

        Assert.True(outcome.AllSucceeded);
        Assert.Equal(ItemResult.Success, outcome.Record.Results["b.txt"].Status);
        var warning = Assert.Single(_h.Events, e => e.Kind == BatchEventKind.Warning);
        Assert.Equal(DiagnosticCodes.OutputWriteFailed, warning.Code);
        Assert.Equal(3, _h.Server.ChatRequests.Count);
    }

    [Fact]
    public async Task ServerThatAcceptsButNeverAnswers_TheBatchEndsWithinItsBounds()
    {
        await using var silent = SilentServer.Start();
        var settings = _h.CurrentSettings with
        {
            Endpoint = silent.Endpoint,
            FirstChunkTimeout = TimeSpan.FromMilliseconds(300),
            RequestTimeout = TimeSpan.FromMilliseconds(300),
            RetryAttempts = 1,
        };
        var clock = Stopwatch.StartNew();

        var outcome = await _h.RunAsync(settings: settings).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.True(silent.Accepted > 0);
        Assert.Equal(0, outcome.Sent);
        Assert.Equal(0, outcome.Record.Successful);
        Assert.All(outcome.Record.Results.Values, r => Assert.Equal(DiagnosticCodes.Timeout, r.ErrorCode));
    }

    [Fact]
    public async Task TimedOutItems_AreNotCountedAsSent()
    {
        _h.Server.InjectFault(ServerFault.Hang, times: 100, match: "Beta");

        var outcome = await _h.RunAsync(settings: _h.CurrentSettings with { FirstChunkTimeout = TimeSpan.FromMilliseconds(300), RetryAttempts = 1 });

        Assert.Equal(DiagnosticCodes.Timeout, outcome.Record.Results["b.txt"].ErrorCode);
        Assert.Equal(2, outcome.Sent);
    }

    [Fact]
    public async Task RetryLine_NamesTheAttemptAboutToHappen_OncePerCondition()
    {
        _h.Server.InjectFault(ServerFault.InternalError, times: 100);

        await _h.RunAsync();

        var retries = _h.Events.Where(e => e.Kind == BatchEventKind.Retrying).Select(e => e.Message!).ToList();
        Assert.Equal(2, retries.Count);
        Assert.StartsWith("attempt 2 of 3 in ", retries[0], StringComparison.Ordinal);
        Assert.StartsWith("attempt 3 of 3 in ", retries[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task StormOfServerBusyAnswers_TheBatchSendsFewerAtOnce_AndEveryItemCompletes()
    {
        for (var i = 0; i < 20; i++)
        {
            _h.Workspace.Write($"storm{i:00}.txt", $"storm {i}");
        }

        _h.Server.SetSlots(2);
        _h.Server.QueueLimit = 0;
        _h.Server.Latency = TimeSpan.FromMilliseconds(40);

        var outcome = await _h.RunAsync(settings: _h.CurrentSettings with { MaxConcurrent = 8, RetryAttempts = 2 });

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Where(r => r.Error is not null).Select(r => r.Error)));
        Assert.Equal(23, outcome.Record.Successful);
        Assert.True(_h.Server.ChatRequests.Count > 23, "the server should have been busy at least once");
    }

    [Fact]
    public async Task TwoRunsOverOneCacheAtOnce_SendEachPromptOnce()
    {
        for (var i = 0; i < 30; i++)
        {
            _h.Workspace.Write($"shared{i:00}.txt", $"shared {i}");
        }

        _h.Server.Latency = TimeSpan.FromMilliseconds(60);

        var outcomes = await Task.WhenAll(_h.RunAsync(), _h.RunAsync(), _h.RunAsync());

        Assert.All(outcomes, o => Assert.True(o.AllSucceeded));
        Assert.Equal(33, _h.Server.ChatRequests.Count);
        Assert.Equal(33, _h.Server.ChatRequests.Select(c => c.FileName).Distinct().Count());
        Assert.Equal(2 * 33, outcomes.Sum(o => o.Record.Cached));
    }

    [Fact]
    public async Task ResumingABatchThatAnotherRunHolds_IsRefusedNamingTheProcess()
    {
        _h.Server.InjectFault(ServerFault.BadRequest, times: 1, match: "Beta");
        var first = await _h.RunAsync();
        using var held = _h.Store.Lock(first.Record.BatchId);

        var refused = await Assert.ThrowsAsync<BatchBusyException>(() => _h.ResumeAsync(first.Record.BatchId));

        Assert.Contains($"process {Environment.ProcessId}", refused.Message, StringComparison.Ordinal);
        Assert.Contains(first.Record.BatchId, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyAndWhitespaceFiles_AreSkippedWithAWarningCode_UnlessSendingThemIsAsked()
    {
        _h.Workspace.Write("empty.txt", string.Empty);
        _h.Workspace.Write("blank.txt", " \n\t\n");

        var skipped = await _h.RunAsync();

        Assert.Equal(ItemResult.Skipped, skipped.Record.Results["empty.txt"].Status);
        Assert.Equal(DiagnosticCodes.EmptyFile, skipped.Record.Results["blank.txt"].ErrorCode);
        Assert.DoesNotContain(_h.Server.ChatRequests, c => c.FileName is "empty.txt" or "blank.txt");
        _h.Server.ClearLog();

        var sent = await _h.RunAsync(settings: _h.CurrentSettings with { SendEmptyFiles = true });

        Assert.True(sent.AllSucceeded);
        Assert.Equal(["blank.txt", "empty.txt"], _h.Server.ChatRequests.Select(c => c.FileName!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WindowsAndUnixLineEndings_SendTheSameText_AndShareOneCacheEntry()
    {
        _h.Workspace.Write("sub1/notes.txt", "line one\r\nline two\r\n");
        _h.Workspace.Write("sub2/notes.txt", "line one\nline two\n");

        var outcome = await _h.RunAsync();

        var sent = _h.Server.ChatRequests.Where(c => c.FileName!.EndsWith("notes.txt", StringComparison.Ordinal)).ToList();
        Assert.All(sent, c => Assert.EndsWith(":\nline one\nline two\n", c.UserContent, StringComparison.Ordinal));
        Assert.DoesNotContain('\r', string.Concat(sent.Select(c => c.UserContent)));
        Assert.True(outcome.AllSucceeded);
    }
}

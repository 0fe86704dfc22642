using System.Text.Json.Nodes;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Results;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Execution;

public sealed class BatchRunnerTests : IAsyncLifetime
{
    private BatchHarness _h = null!;

    public async Task InitializeAsync() => _h = await BatchHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private void ThreeDocs()
    {
        _h.Workspace.Write("a.txt", "Alpha document about apples.");
        _h.Workspace.Write("b.txt", "Beta document about bananas.");
        _h.Workspace.Write("sub/c.txt", "Gamma document about cherries.");
    }

    [Fact]
    public async Task AFileEditedWhileTheBatchRuns_IsSentAsItWasKeyed_AndTheNextRunSendsTheEdit()
    {
        // A miss is read once, when the run keys it: what is sent is what its cache key stands for (the file used to
        // be read again when its turn came). The edit is a changed file for the next run, never a stale cache hit.
        _h.Workspace.Write("a.txt", "Alpha document about apples.");
        var b = _h.Workspace.Write("b.txt", "Beta document about bananas.");
        _h.Server.Replies = user =>
        {
            if (user.Contains("Alpha", StringComparison.Ordinal))
            {
                File.WriteAllText(b, "Beta edited to be about blueberries.");
            }

            return null;
        };
        var settings = _h.CurrentSettings with { MaxConcurrent = 1 };

        var first = await _h.RunAsync(settings: settings);

        Assert.True(first.AllSucceeded);
        Assert.EndsWith("Beta document about bananas.", _h.Server.ChatRequests.Single(c => c.FileName == "b.txt").UserContent, StringComparison.Ordinal);
        _h.Server.ClearLog();
        var second = await _h.RunAsync(settings: settings);
        Assert.True(second.AllSucceeded);
        var sent = Assert.Single(_h.Server.ChatRequests);
        Assert.EndsWith("Beta edited to be about blueberries.", sent.UserContent, StringComparison.Ordinal);
        Assert.True(second.Record.Results["a.txt"].Cached);
    }

    [Fact]
    public void KeptInputs_KeepSmallTextsUpToTheirBound_NoneOverTheirShare_AndTakingOneGivesItsRoomBack()
    {
        var kept = new KeptInputs();
        Assert.False(kept.Keep("big.txt", Gleitzeit.Batch.Inputs.InputLoader.LoadText(System.Text.Encoding.UTF8.GetBytes(new string('x', KeptInputs.MaxCharsPerFile + 1)))));
        var small = Gleitzeit.Batch.Inputs.InputLoader.LoadText(System.Text.Encoding.UTF8.GetBytes(new string('y', 10_000)));
        var count = 0;
        while (kept.Keep($"f{count}.txt", small))
        {
            count++;
        }

        Assert.Equal(KeptInputs.MaxChars / 10_000, count);
        Assert.Null(kept.Take("big.txt"));
        Assert.Same(small, kept.Take("f0.txt"));
        Assert.Null(kept.Take("f0.txt"));
        Assert.True(kept.Keep("again.txt", small));
        Assert.False(kept.Keep("one-more.txt", small));
    }

    [Fact]
    public async Task FirstRun_SendsEachFileOnce_WithItsContentAndPrompt()
    {
        ThreeDocs();

        var outcome = await _h.RunAsync();

        Assert.True(outcome.AllSucceeded);
        var chats = _h.Server.ChatRequests;
        Assert.Equal(["a.txt", "b.txt", "sub/c.txt"], chats.Select(c => c.FileName).Order(StringComparer.Ordinal));
        var a = chats.Single(c => c.FileName == "a.txt");
        Assert.Equal("Summarize this document\n\nFile content from a.txt:\nAlpha document about apples.", a.UserContent);
        Assert.Equal("llama3.2:latest", a.Model);
        var result = outcome.Record.Results["a.txt"];
        Assert.Equal(OllamaTestServer.ReplyFor(a.UserContent), result.Result);
        Assert.False(result.Cached);
        Assert.True(result.Tokens!.Completion > 0);
    }

    [Fact]
    public async Task UnchangedSecondRun_IsServedFromCache_WithoutContactingTheServer()
    {
        ThreeDocs();
        var first = await _h.RunAsync();
        _h.Server.ClearLog();

        var second = await _h.RunAsync();

        Assert.Empty(_h.Server.Requests);
        Assert.Equal(0, second.Sent);
        Assert.All(second.Record.Results.Values, r => Assert.True(r.Cached));
        Assert.Equal(first.Record.Results["b.txt"].Result, second.Record.Results["b.txt"].Result);
        Assert.Equal(first.Record.Results["b.txt"].ProcessingTime, second.Record.Results["b.txt"].ProcessingTime);
    }

    [Fact]
    public async Task OneEditedFile_IsTheOnlyOneSent_AndItsMissIsExplained()
    {
        ThreeDocs();
        await _h.RunAsync();
        _h.Server.ClearLog();
        _h.Workspace.Write("b.txt", "Beta document about blueberries.");

        var outcome = await _h.RunAsync();

        Assert.Equal(["b.txt"], _h.Server.ChatRequests.Select(c => c.FileName));
        Assert.Equal(["content changed"], outcome.Record.Results["b.txt"].MissReasons);
        Assert.True(outcome.Record.Results["a.txt"].Cached);
    }

    [Fact]
    public async Task ChangedPrompt_ResendsEveryItem_SayingThePromptChanged()
    {
        ThreeDocs();
        await _h.RunAsync();
        _h.Server.ClearLog();

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template("Summarize in one line")));

        Assert.Equal(3, _h.Server.ChatRequests.Count);
        Assert.All(outcome.Record.Results.Values, r => Assert.Equal(["prompt changed"], r.MissReasons));
    }

    [Fact]
    public async Task ChangedOption_ResendsEveryItem_AndTheOptionReachesTheServer()
    {
        ThreeDocs();
        await _h.RunAsync(_h.Plan(BatchHarness.Template(options: new JsonObject { ["temperature"] = 0.2 })));
        _h.Server.ClearLog();

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(options: new JsonObject { ["temperature"] = 0.7, ["num_predict"] = 50 })));

        Assert.Equal(3, _h.Server.ChatRequests.Count);
        Assert.All(_h.Server.ChatRequests, c => Assert.Equal(0.7, c.Options!["temperature"]!.GetValue<double>(), 3));
        Assert.All(_h.Server.ChatRequests, c => Assert.Equal(50, c.Options!["num_predict"]!.GetValue<int>()));
        Assert.Contains("option 'temperature' changed (0.2 → 0.7)", outcome.Record.Results["a.txt"].MissReasons!);
        Assert.Contains("option 'num_predict' changed (unset → 50)", outcome.Record.Results["a.txt"].MissReasons!);
    }

    [Fact]
    public async Task PulledModel_NewDigestInvalidatesEveryItem_OnceSomethingMustBeSent()
    {
        ThreeDocs();
        await _h.RunAsync();
        _h.Server.AddModel("llama3.2:latest", "sha256:" + new string('f', 64));
        _h.Workspace.Write("a.txt", "Alpha document, edited.");
        _h.Server.ClearLog();

        var outcome = await _h.RunAsync();

        Assert.Equal(3, _h.Server.ChatRequests.Count);
        Assert.Contains("model digest (the model was pulled again) changed", outcome.Record.Results["b.txt"].MissReasons!);
    }

    [Fact]
    public async Task FullyCachedBatch_SucceedsWithTheServerDown()
    {
        ThreeDocs();
        await _h.RunAsync();
        var down = _h.CurrentSettings with { Endpoint = "http://127.0.0.1:1" };

        var outcome = await _h.RunAsync(settings: down);

        Assert.True(outcome.AllSucceeded);
        Assert.Equal(3, outcome.Record.Cached);
    }

    [Fact]
    public async Task LockedMode_FailsEveryMissWithoutCallingTheModel()
    {
        ThreeDocs();
        await _h.RunAsync();
        _h.Workspace.Write("d.txt", "Delta, new.");
        _h.Server.ClearLog();

        var outcome = await _h.RunAsync(settings: _h.CurrentSettings with { CacheMode = CacheMode.Locked });

        Assert.Empty(_h.Server.Requests);
        var d = outcome.Record.Results["d.txt"];
        Assert.Equal(ItemResult.Failed, d.Status);
        Assert.Equal(DiagnosticCodes.LockedCacheMiss, d.ErrorCode);
        Assert.Equal(3, outcome.Record.Successful);
    }

    [Fact]
    public async Task CacheOff_SendsEverythingAndStoresNothing()
    {
        ThreeDocs();
        var off = _h.CurrentSettings with { CacheMode = CacheMode.Off };
        await _h.RunAsync(settings: off);
        await _h.RunAsync(settings: off);

        Assert.Equal(6, _h.Server.ChatRequests.Count);
        Assert.False(Directory.Exists(Path.Combine(_h.Workspace.CacheDirectory, "entries")));
    }

    [Fact]
    public async Task ReadOnlyMode_ServesHitsButWritesNothingNew()
    {
        ThreeDocs();
        await _h.RunAsync();
        _h.Workspace.Write("d.txt", "Delta");
        var readOnly = _h.CurrentSettings with { CacheMode = CacheMode.ReadOnly };
        _h.Server.ClearLog();

        await _h.RunAsync(settings: readOnly);
        await _h.RunAsync(settings: readOnly);

        Assert.Equal(["d.txt", "d.txt"], _h.Server.ChatRequests.Select(c => c.FileName));
    }

    [Fact]
    public async Task BinaryAndOversizedFiles_AreReportedAndNeverSent()
    {
        _h.Workspace.Write("good.txt", "fine");
        _h.Workspace.WriteBytes("binary.txt", [0x41, 0x00, 0x42]);
        _h.Workspace.Write("huge.txt", new string('x', 5000));

        var outcome = await _h.RunAsync(_h.Plan(maxFileSize: 1000));

        Assert.Equal(["good.txt"], _h.Server.ChatRequests.Select(c => c.FileName));
        Assert.Equal(ItemResult.Failed, outcome.Record.Results["binary.txt"].Status);
        Assert.Equal(DiagnosticCodes.InvalidFileFormat, outcome.Record.Results["binary.txt"].ErrorCode);
        Assert.Equal(ItemResult.Skipped, outcome.Record.Results["huge.txt"].Status);
        Assert.False(outcome.AllSucceeded);
    }

    [Fact]
    public async Task VisionItems_SendThePromptWithThePlainBase64Image()
    {
        var png = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "test_colors.png"));
        _h.Workspace.WriteBytes("colors.png", png);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template("Describe this image.", model: "llava:latest", vision: true), pattern: "*.png"));

        Assert.True(outcome.AllSucceeded);
        var chat = Assert.Single(_h.Server.ChatRequests);
        var message = Assert.Single(chat.Messages);
        Assert.Equal("Describe this image.", message.Content);
        Assert.Equal(Convert.ToBase64String(png), Assert.Single(message.Images));
    }

    [Fact]
    public async Task ItemsMixingModels_AreSentGroupedByModel()
    {
        _h.Workspace.Write("a.txt", "a");
        _h.Workspace.Write("b.txt", "b");
        _h.Workspace.Write("c.txt", "c");
        _h.Workspace.Write("d.txt", "d");
        _h.Server.AddModel("phi3:latest");
        var plan = _h.Plan();
        var mixed = new BatchPlan
        {
            Root = plan.Root,
            Templates = [BatchHarness.Template(), BatchHarness.Template(model: "phi3:latest")],
            Items = [.. plan.Items.Select((item, i) => new BatchItem { File = item.File, FullPath = item.FullPath, Template = i % 2 })],
        };

        await _h.RunAsync(mixed, _h.CurrentSettings with { MaxConcurrent = 1 });

        Assert.Equal(["llama3.2:latest", "llama3.2:latest", "phi3:latest", "phi3:latest"], _h.Server.ChatRequests.Select(c => c.Model));
    }

    [Fact]
    public async Task Progress_ReportsQueuedStartedCompletedAndCacheHits()
    {
        ThreeDocs();
        await _h.RunAsync();
        _h.Workspace.Write("a.txt", "changed");
        _h.Events.Clear();

        await _h.RunAsync();

        Assert.Equal(3, _h.Events.Count(e => e.Kind == BatchEventKind.Queued));
        Assert.Equal(2, _h.Events.Count(e => e.Kind == BatchEventKind.CacheHit));
        var completed = Assert.Single(_h.Events, e => e.Kind == BatchEventKind.Completed);
        Assert.Equal("a.txt", completed.File);
        Assert.StartsWith("Reply ", completed.Message, StringComparison.Ordinal);
        Assert.Equal(3, _h.Events[^1].Counts!.Done);
    }
}

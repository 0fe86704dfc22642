using System.Text.Json;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Providers.Local;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Tests.Execution;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Providers;

/// <summary>
/// The local provider through the engine: a tiny random-weight GGUF model made by the test runs in this process.
/// Its text is noise, so the tests count tokens and compare keys, never words.
/// </summary>
public sealed class LocalProviderTests : IAsyncLifetime
{
    private static readonly JsonObject Short = new() { ["num_predict"] = 8, ["seed"] = 3, ["temperature"] = 0.7 };
    private BatchHarness _h = null!;
    private string _model = null!;

    public async Task InitializeAsync()
    {
        _h = await BatchHarness.StartAsync();
        _h.Workspace.Write("a.txt", "Alpha is the first letter.");
        _h.Workspace.Write("b.txt", "Beta comes second.");
        _h.Workspace.Write("sub/c.txt", "Gamma is third.");
        _model = Path.Combine(_h.Workspace.Root, "models", "tiny.gguf");
        Directory.CreateDirectory(Path.GetDirectoryName(_model)!);
        TinyGguf.Write(_model);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private BatchSettings Local(string? model = null) =>
        _h.Workspace.Settings(_h.Server.Endpoint) with
        {
            Provider = "local",
            Model = model ?? _model,
            ModelsDirectory = Path.Combine(_h.Workspace.Home, "models"),
        };

    private Gleitzeit.Batch.Planning.BatchPlan Plan(JsonObject? options = null, string? model = null, JsonNode? format = null) =>
        _h.Plan(new Gleitzeit.Batch.Planning.PromptTemplate
        {
            Messages = Gleitzeit.Batch.Inputs.PromptMessage.FromPrompt("Summarize this document", "Be brief."),
            Model = model ?? _model,
            Options = (JsonObject)(options ?? Short).DeepClone(),
            Format = format,
        });

    [Fact]
    public async Task EveryItem_IsAnsweredInProcess_WithTokensCounted_AndAnUnchangedRunSendsNothing()
    {
        var first = await _h.RunAsync(Plan(), Local());

        Assert.True(first.AllSucceeded, Errors(first));
        Assert.Equal(3, first.Sent);
        Assert.Empty(_h.Server.Requests);
        Assert.All(first.Record.Results.Values, r =>
        {
            Assert.InRange(r.Tokens!.Completion, 1, 8);
            Assert.True(r.Tokens.Prompt > 10, $"prompt tokens {r.Tokens.Prompt}");
            Assert.False(string.IsNullOrWhiteSpace(r.Result));
        });

        var second = await _h.RunAsync(Plan(), Local());

        Assert.True(second.AllSucceeded, Errors(second));
        Assert.Equal(0, second.Sent);
        Assert.Equal(3, second.Record.Results.Values.Count(r => r.Cached));
    }

    [Fact]
    public async Task ReplacingTheModelFile_ReKeysEveryItem_WhileMovingItKeepsTheCache()
    {
        Assert.True((await _h.RunAsync(Plan(), Local())).AllSucceeded);

        var moved = Path.Combine(_h.Workspace.Root, "elsewhere", "renamed.gguf");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        File.Move(_model, moved);
        var afterMove = await _h.RunAsync(Plan(model: moved), Local(moved));
        Assert.True(afterMove.AllSucceeded, Errors(afterMove));
        Assert.Equal(0, afterMove.Sent);

        TinyGguf.Write(moved, new TinyGgufOptions { Seed = 99 });
        File.SetLastWriteTimeUtc(moved, DateTime.UtcNow.AddMinutes(1));
        var afterReplace = await _h.RunAsync(Plan(model: moved), Local(moved));
        Assert.True(afterReplace.AllSucceeded, Errors(afterReplace));
        Assert.Equal(3, afterReplace.Sent);
    }

    [Fact]
    public async Task TheSameSeed_GivesTheSameTokens_AndTheKeyFollowsTheOptions()
    {
        var one = await _h.RunAsync(Plan(), Local());
        var cacheOne = Directory.GetFiles(_h.Workspace.CacheDirectory, "*.json", SearchOption.AllDirectories).Length;
        Directory.Delete(_h.Workspace.CacheDirectory, recursive: true);
        var two = await _h.RunAsync(Plan(), Local());

        Assert.Equal(one.Record.Results.Values.Select(r => r.Tokens!.Completion), two.Record.Results.Values.Select(r => r.Tokens!.Completion));
        Assert.Equal(one.Record.Results.Values.Select(r => r.Result), two.Record.Results.Values.Select(r => r.Result));

        var other = await _h.RunAsync(Plan(new JsonObject { ["num_predict"] = 8, ["seed"] = 4, ["temperature"] = 0.7 }), Local());
        Assert.Equal(3, other.Sent);
        Assert.True(cacheOne >= 3);
    }

    [Fact]
    public async Task FormatJson_GivesAJsonObject()
    {
        // Random weights wander; favouring '"' and '}' lets the grammar close the object within the limit.
        var json = Path.Combine(_h.Workspace.Root, "models", "json.gguf");
        TinyGguf.Write(json, new TinyGgufOptions { FavouredCharacters = "\"}" });

        var outcome = await _h.RunAsync(Plan(new JsonObject { ["num_predict"] = 400, ["seed"] = 5, ["temperature"] = 0.8 }, model: json, format: JsonValue.Create("json")), Local(json));

        Assert.True(outcome.AllSucceeded, Errors(outcome));
        Assert.All(outcome.Record.Results.Values, r => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(r.Result!).RootElement.ValueKind));
    }

    [Fact]
    public async Task ASchema_AnImageAndAServerOnlyOption_FailTheirItemsWithWhatToDo()
    {
        var schema = await _h.RunAsync(Plan(format: JsonNode.Parse("""{"type":"object"}""")), Local());
        Assert.Contains("format: json, not a JSON schema", schema.Record.Results.Values.First().Error, StringComparison.Ordinal);

        var window = await _h.RunAsync(Plan(new JsonObject { ["num_ctx"] = 4096 }), Local());
        Assert.All(window.Record.Results.Values, r => Assert.Contains("context_length", r.Error, StringComparison.Ordinal));

        _h.Workspace.WriteBytes("colors.png", File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "test_colors.png")));
        var image = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: _model, options: (JsonObject)Short.DeepClone(), vision: true), pattern: "*.png"), Local());
        var refused = Assert.Single(image.Record.Results.Values);
        Assert.Contains("reads text only", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APromptLongerThanTheWindow_FailsItsItemUnsent_AndTheOthersAreAnswered()
    {
        _h.Workspace.Write("long.txt", string.Join(' ', Enumerable.Repeat("the data is a test", 400)));

        var outcome = await _h.RunAsync(Plan(), Local() with { ContextLength = 512 });

        var failed = Assert.Single(outcome.Record.Results.Values, r => r.Status == ItemResult.Failed);
        Assert.Equal("long.txt", failed.File);
        Assert.Equal(DiagnosticCodes.PromptTooLong, failed.ErrorCode);
        Assert.Contains("context_length", failed.Error, StringComparison.Ordinal);
        Assert.Equal(3, outcome.Record.Successful);
    }

    [Fact]
    public async Task AGenerationPastTimeoutPerFile_FailsWithTheTimeout_AndTheRunGoesOn()
    {
        var endless = Path.Combine(_h.Workspace.Root, "models", "endless.gguf");
        TinyGguf.Write(endless, new TinyGgufOptions { PeriodBias = -10, ContextLength = 65536 });
        var settings = Local(endless) with { TimeoutPerFile = TimeSpan.FromMilliseconds(300), RetryAttempts = 0, ContextLength = 65536 };

        var started = DateTime.UtcNow;
        var outcome = await _h.RunAsync(Plan(new JsonObject { ["num_predict"] = -1, ["seed"] = 1 }, model: endless), settings);

        Assert.All(outcome.Record.Results.Values, r => Assert.Equal(DiagnosticCodes.Timeout, r.ErrorCode));
        Assert.Contains("timeout_per_file", outcome.Record.Results.Values.First().Error, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), $"took {DateTime.UtcNow - started}");
    }

    [Fact]
    public async Task Cancelling_StopsAGenerationInItsMiddle_AndKeepsWhatFinished()
    {
        var endless = Path.Combine(_h.Workspace.Root, "models", "endless.gguf");
        TinyGguf.Write(endless, new TinyGgufOptions { PeriodBias = -10, ContextLength = 65536 });
        var settings = Local(endless) with { ContextLength = 65536, TimeoutPerFile = TimeSpan.FromMinutes(10) };
        using var cancel = new CancellationTokenSource();
        var started = DateTime.UtcNow;
        var running = _h.RunAsync(Plan(new JsonObject { ["num_predict"] = -1, ["seed"] = 1 }, model: endless), settings, cancel.Token);
        await WaitForAsync(() => _h.Events.Any(e => e.Kind == BatchEventKind.Started), TimeSpan.FromSeconds(30));
        await Task.Delay(300);

        var cancelledAt = DateTime.UtcNow;
        await cancel.CancelAsync();
        var outcome = await running;

        Assert.True(DateTime.UtcNow - cancelledAt < TimeSpan.FromSeconds(3), $"ended {DateTime.UtcNow - cancelledAt} after the cancel");
        Assert.Equal(BatchStatus.Cancelled, outcome.Record.Status);
        Assert.Equal(0, outcome.Record.Failed);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task LockedMode_ServesCachedAnswers_WithTheDownloadedModelGone()
    {
        await using var files = await FileDownloadServer.StartAsync();
        var url = files.Add("/models/tiny.gguf", TinyGguf.Create()).AbsoluteUri;
        var downloaded = await _h.RunAsync(Plan(model: url), Local(url));
        Assert.True(downloaded.AllSucceeded, Errors(downloaded));
        var file = Assert.Single(Directory.GetFiles(Path.Combine(_h.Workspace.Home, "models"), "*.gguf"));

        File.Delete(file);
        files.ClearLog();
        var locked = await _h.RunAsync(Plan(model: url), Local(url) with { CacheMode = CacheMode.Locked });

        Assert.True(locked.AllSucceeded, Errors(locked));
        Assert.Equal(0, locked.Sent);
        Assert.Empty(files.Requests);
    }

    [Fact]
    public async Task AModelFileThatIsNoGguf_StopsTheBatch_NamingTheFile()
    {
        var bogus = Path.Combine(_h.Workspace.Root, "models", "bogus.gguf");
        File.WriteAllBytes(bogus, TinyGguf.Create().AsSpan(0, 5000).ToArray());

        var outcome = await _h.RunAsync(Plan(model: bogus), Local(bogus));

        Assert.Equal(0, outcome.Record.Successful);
        Assert.Contains(bogus, outcome.Record.Error ?? string.Join(";", outcome.Record.Results.Values.Select(r => r.Error)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLocalModel_CanJudge_UnderItsJsonGrammar_AndNoiseThatIsNotAVerdict_IsAnErrorNeverAPass()
    {
        var plan = _h.Plan(new Gleitzeit.Batch.Planning.PromptTemplate
        {
            Messages = Gleitzeit.Batch.Inputs.PromptMessage.FromPrompt("Summarize this document", "Be brief."),
            Model = _model,
            Options = (JsonObject)Short.DeepClone(),
            Review = new Gleitzeit.Batch.Review.ReviewSpec { Judge = Gleitzeit.Batch.Review.ReviewSpec.DefaultRubric },
        });

        var outcome = await _h.RunAsync(plan, Local() with { TimeoutPerFile = TimeSpan.FromSeconds(60) });

        Assert.True(outcome.AllSucceeded, Errors(outcome));
        Assert.Equal(3, outcome.Judged);
        Assert.All(outcome.Record.Results.Values, r =>
        {
            Assert.False(r.Checks!.Pass);
            Assert.Equal(Gleitzeit.Batch.Contract.DiagnosticCodes.JudgeFailed, r.Checks.JudgeErrorCode);
        });
    }

    private static string Errors(BatchOutcome outcome) =>
        outcome.Record.Error + " " + string.Join("; ", outcome.Record.Results.Values.Where(r => r.Error is not null).Select(r => $"{r.File}: {r.Error}"));

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "timed out waiting");
            await Task.Delay(20);
        }
    }
}

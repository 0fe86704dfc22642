using System.Text.Json.Nodes;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Tests.Execution;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Providers;

/// <summary>OpenAI-compatible servers through the engine, against the OpenAI-protocol test server over real HTTP.</summary>
public sealed class OpenAiProviderTests : IAsyncLifetime
{
    private const string Key = "sk-test-key-for-the-test-server";
    private BatchHarness _h = null!;
    private OpenAiTestServer _server = null!;
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal) { ["OPENAI_API_KEY"] = Key };

    public async Task InitializeAsync()
    {
        _h = await BatchHarness.StartAsync();
        _server = await OpenAiTestServer.StartAsync();
        _server.RequiredKey = Key;
        _h.Workspace.Write("a.txt", "Alpha");
        _h.Workspace.Write("b.txt", "Beta");
        _h.Workspace.Write("c.txt", "Gamma");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _h.DisposeAsync();
    }

    private Gleitzeit.Batch.Planning.BatchPlan Plan(string model = "gpt-4o-mini") => _h.Plan(BatchHarness.Template(model: model));

    private BatchSettings OpenAi(string provider = "openai", string? endpoint = null) =>
        _h.Workspace.Settings(_h.Server.Endpoint) with
        {
            Provider = provider,
            Endpoint = endpoint ?? _server.Endpoint + "/v1",
            Model = "gpt-4o-mini",
            Environment = name => _environment.GetValueOrDefault(name),
        };

    [Fact]
    public async Task Batch_IsAnsweredOverStreamedChatCompletions_CachedByService_AndTheBearerKeyIsSent()
    {
        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini", system: "Be brief.", options: new JsonObject { ["temperature"] = 0.2, ["seed"] = 7, ["num_predict"] = 50 })), OpenAi());

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)));
        Assert.Equal(3, _server.ChatRequests.Count);
        var request = _server.ChatRequests[0];
        Assert.True(request.AuthValid);
        Assert.Equal("Authorization", request.AuthHeader);
        Assert.Equal("system", request.Messages[0].Role);
        Assert.Equal(0.2, request.Body!["temperature"]!.GetValue<double>(), 3);
        Assert.Equal(7, request.Body["seed"]!.GetValue<long>());
        Assert.True(request.Body["stream"]!.GetValue<bool>());
        Assert.Equal(OpenAiTestServer.ReplyFor(request.UserContent), outcome.Record.Results[request.FileName!].Result);
        Assert.All(outcome.Record.Results.Values, r => Assert.True(r.Tokens!.Prompt > 0 && r.Tokens.Completion > 0));
        Assert.All(outcome.Record.Results.Values, r => Assert.Equal("gpt-4o-mini", r.ServedBy?.Model));
        _server.ClearLog();

        var again = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini", system: "Be brief.", options: new JsonObject { ["temperature"] = 0.2, ["seed"] = 7, ["num_predict"] = 50 })), OpenAi());

        Assert.Empty(_server.ChatRequests);
        Assert.Equal(3, again.Record.Cached);
    }

    [Fact]
    public async Task ARunInsideATracedOperation_SendsNoTraceContext_ToTheModelsServer()
    {
        // A CI job traced with OpenTelemetry would otherwise hand its trace ids to every hosted model service.
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var source = new System.Diagnostics.ActivitySource("gleitzeit-test-ci");
        using var traced = source.StartActivity("ci-job");
        Assert.NotNull(traced);

        var outcome = await _h.RunAsync(Plan(), OpenAi());

        Assert.True(outcome.AllSucceeded);
        Assert.All(_server.ChatRequests, r =>
        {
            Assert.Contains("Authorization", r.HeaderNames);
            Assert.DoesNotContain(r.HeaderNames, h => h.Equals("traceparent", StringComparison.OrdinalIgnoreCase) || h.Equals("Request-Id", StringComparison.OrdinalIgnoreCase));
        });
    }

    [Fact]
    public async Task SameModelName_OnAnotherService_IsAMiss_ExplainedAsServiceChanged()
    {
        await _h.RunAsync(Plan("llama3.2"), OpenAi());
        await using var other = await OpenAiTestServer.StartAsync();
        other.RequiredKey = Key;

        var outcome = await _h.RunAsync(Plan("llama3.2"), OpenAi(endpoint: other.Endpoint + "/v1"));

        Assert.Equal(3, other.ChatRequests.Count);
        Assert.All(outcome.Record.Results.Values, r => Assert.Contains(r.MissReasons!, reason => reason.StartsWith("service changed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task JsonAndSchemaFormats_BecomeResponseFormats()
    {
        var schema = JsonNode.Parse("""{"type":"object","properties":{"summary":{"type":"string"}},"required":["summary"],"additionalProperties":false}""");
        var json = BatchHarness.Template(model: "gpt-4o-mini");
        await _h.RunAsync(_h.Plan(new Gleitzeit.Batch.Planning.PromptTemplate { Messages = json.Messages, Model = json.Model, Format = "json" }), OpenAi());
        Assert.All(_server.ChatRequests, c => Assert.Equal("json_object", c.Format!["type"]!.GetValue<string>()));
        _server.ClearLog();

        await _h.RunAsync(_h.Plan(new Gleitzeit.Batch.Planning.PromptTemplate { Messages = json.Messages, Model = json.Model, Format = schema }), OpenAi());

        Assert.All(_server.ChatRequests, c =>
        {
            Assert.Equal("json_schema", c.Format!["type"]!.GetValue<string>());
            Assert.True(c.Format["json_schema"]!["strict"]!.GetValue<bool>());
        });
    }

    [Fact]
    public async Task MissingKey_StopsTheBatchBeforeAnyCall_NamingTheVariable_WhileCachedItemsAreServed()
    {
        await _h.RunAsync(Plan(), OpenAi());
        _h.Workspace.Write("d.txt", "Delta");
        _environment.Remove("OPENAI_API_KEY");
        _server.ClearLog();

        var outcome = await _h.RunAsync(Plan(), OpenAi());

        Assert.Equal(BatchStatus.Aborted, outcome.Record.Status);
        Assert.Equal(DiagnosticCodes.MissingApiKey, outcome.Record.ErrorCode);
        Assert.Contains("OPENAI_API_KEY", outcome.Record.Error, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
        Assert.Equal(3, outcome.Record.Cached);
    }

    [Fact]
    public async Task RefusedKey_IsOneErrorForTheBatch_AndNoFurtherRequestIsSent()
    {
        for (var i = 0; i < 20; i++)
        {
            _h.Workspace.Write($"more{i:00}.txt", $"More {i}");
        }

        _environment["OPENAI_API_KEY"] = "sk-wrong";

        var outcome = await _h.RunAsync(Plan(), OpenAi() with { MaxConcurrent = 2 });

        Assert.Equal(BatchStatus.Aborted, outcome.Record.Status);
        Assert.Equal(DiagnosticCodes.KeyRefused, outcome.Record.ErrorCode);
        Assert.Contains("refused the API key in OPENAI_API_KEY", outcome.Record.Error, StringComparison.Ordinal);
        Assert.Empty(_server.ChatRequests);
        Assert.DoesNotContain("sk-wrong", outcome.Record.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServerFault.ErrorMidStream)]
    [InlineData(ServerFault.NoFinishReason)]
    [InlineData(ServerFault.CutMidStream)]
    [InlineData(ServerFault.InternalError)]
    public async Task BrokenStream_IsRetried_AndTheItemSucceeds(ServerFault fault)
    {
        _server.InjectFault(fault, times: 1, match: "Beta");

        var outcome = await _h.RunAsync(Plan(), OpenAi());

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)));
        Assert.Equal(2, _server.ChatRequests.Count(c => c.FileName == "b.txt"));
        Assert.Equal(OpenAiTestServer.ReplyFor(_server.ChatRequests.Last(c => c.FileName == "b.txt").UserContent), outcome.Record.Results["b.txt"].Result);
    }

    [Fact]
    public async Task RateLimitedServer_IsNeverAskedMoreThanItsLimitAndBurst_AndEveryItemCompletes()
    {
        for (var i = 0; i < 27; i++)
        {
            _h.Workspace.Write($"limited{i:00}.txt", $"Limited {i}");
        }

        _server.RequestsPerMinute = 600;
        _server.Burst = 3;

        var outcome = await _h.RunAsync(Plan(), OpenAi() with { MaxConcurrent = 8 });

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Where(r => r.Error is not null).Select(r => r.Error)));
        Assert.Equal(30, outcome.Record.Successful);
        Assert.True(_server.MaxRequestsInAnyWindow(TimeSpan.FromSeconds(1)) <= 10 + 3 + 8, $"{_server.MaxRequestsInAnyWindow(TimeSpan.FromSeconds(1))} requests in a second");
    }

    [Fact]
    public async Task ServerAskingToWaitLongerThanAllowed_StopsTheBatchAsRateLimited_AndTheRestIsResumable()
    {
        _server.RequestsPerDay = 1;

        var outcome = await _h.RunAsync(Plan(), OpenAi() with { MaxConcurrent = 1, RateLimitWait = TimeSpan.FromSeconds(60) });

        Assert.Equal(BatchStatus.Aborted, outcome.Record.Status);
        Assert.Equal(DiagnosticCodes.RateLimited, outcome.Record.ErrorCode);
        Assert.Equal(1, outcome.Record.Successful);
        Assert.Equal(2, outcome.Record.Unfinished.Count());
        Assert.True(_server.ChatRequests.Count <= 2);
    }

    [Fact]
    public async Task AzurePreset_AppendsItsPath_AndSendsTheKeyInAnApiKeyHeader()
    {
        _server.AuthStyle = OpenAiAuthStyle.ApiKeyHeader;
        _server.RoutePrefix = "/openai/v1";
        _environment["AZURE_OPENAI_API_KEY"] = Key;

        var outcome = await _h.RunAsync(Plan(), OpenAi("azure-openai", _server.Endpoint));

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)) + outcome.Record.Error);
        Assert.All(_server.ChatRequests, c => Assert.Equal("api-key", c.AuthHeader));
    }

    [Fact]
    public async Task GitHubModelsPreset_SendsGitHubToken_ToItsInferencePath()
    {
        _server.RoutePrefix = "/inference";
        _environment["GITHUB_TOKEN"] = Key;

        var outcome = await _h.RunAsync(Plan("openai/gpt-4o-mini"), OpenAi("github-models", _server.Endpoint + "/inference"));

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)) + outcome.Record.Error);
        Assert.All(_server.ChatRequests, c => Assert.Equal("openai/gpt-4o-mini", c.Model));
    }

    [Fact]
    public async Task KnownQuota_IsPacedFromTheFirstCall_WithoutA429()
    {
        for (var i = 0; i < 7; i++)
        {
            _h.Workspace.Write($"paced{i}.txt", $"Paced {i}");
        }

        var started = DateTimeOffset.UtcNow;
        var outcome = await _h.RunAsync(Plan(), OpenAi() with { MaxConcurrent = 8, RequestsPerMinute = 300 });

        Assert.True(outcome.AllSucceeded);
        // 300 a minute is one per 200 ms: the tenth call cannot go before 1.8 s after the first. (Measured from the
        // start, not from the first arrival: the first requests' connection set-up delays their arrival, not the pace.)
        var last = _server.ChatRequests.Max(c => c.ReceivedAt) - started;
        Assert.True(last >= TimeSpan.FromMilliseconds(1780), $"10 calls at 300 a minute all came within {last.TotalMilliseconds:0} ms");
        Assert.Contains(_h.Events, e => e.Kind == BatchEventKind.Retrying && e.Message!.Contains("300 requests a minute", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TokenQuota_ReservesEachCallsMaxTokens_AsTheServiceCountsThem_NotADefaultAnswerRoom()
    {
        // A service counts max_tokens against its tokens-a-minute quota when a call starts. At 120,000 a minute (2,000
        // a second) and 2,000 answer tokens a call, the third call cannot start before about 2 s after the first,
        // where a default 512-token answer room would send all three at once and run into 429s.
        var started = DateTimeOffset.UtcNow;
        var outcome = await _h.RunAsync(
            _h.Plan(BatchHarness.Template(model: "gpt-4o-mini", options: new JsonObject { ["num_predict"] = 2000 })),
            OpenAi() with { MaxConcurrent = 8, TokensPerMinute = 120_000 });

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)));
        var last = _server.ChatRequests.Max(c => c.ReceivedAt) - started;
        Assert.True(last >= TimeSpan.FromMilliseconds(1800), $"3 calls of 2,000 answer tokens at 120,000 tokens a minute all came within {last.TotalMilliseconds:0} ms");
        Assert.Contains(_h.Events, e => e.Kind == BatchEventKind.Retrying && e.Message!.Contains("120000 tokens a minute", StringComparison.Ordinal));
    }
}

using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Results;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Execution;

/// <summary><c>execution: bulk</c> against the OpenAI test server's Files and Batch APIs, over real HTTP, on its batch clock.</summary>
public sealed class BulkModeTests : IAsyncLifetime
{
    private const string Key = "sk-bulk-test-key-canary-5c1e";
    private BatchHarness _h = null!;
    private OpenAiTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _h = await BatchHarness.StartAsync();
        _server = await OpenAiTestServer.StartAsync();
        _server.RequiredKey = Key;
        foreach (var name in (string[])["alpha", "beta", "gamma", "delta", "epsilon"])
        {
            _h.Workspace.Write(name + ".txt", $"The {name} manual, with its own words.");
        }
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _h.DisposeAsync();
    }

    private BatchSettings Bulk(bool bulk = true) => _h.Workspace.Settings(_h.Server.Endpoint) with
    {
        Provider = "openai",
        Endpoint = _server.Endpoint + "/v1",
        Model = "gpt-4o-mini",
        Environment = name => name == "OPENAI_API_KEY" ? Key : null,
        Bulk = bulk,
        BulkPollInterval = TimeSpan.FromMilliseconds(20),
    };

    private Gleitzeit.Batch.Planning.BatchPlan Plan() => _h.Plan(BatchHarness.Template(model: "gpt-4o-mini", system: "Be brief.", options: new JsonObject { ["temperature"] = 0.2, ["seed"] = 7, ["num_predict"] = 80 }));

    private string LedgerDirectory => Path.Combine(_h.Workspace.ResultsDirectory, "bulk");

    private async Task<List<JsonObject>> UploadedLinesAsync(string fileId)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_server.Endpoint}/v1/files/{fileId}/content");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync();
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (JsonObject)JsonNode.Parse(l)!)];
    }

    [Fact]
    public async Task Bulk_SubmitsTheMissesAsOneJob_WithTheBodyALiveCallSends_ThenCollects_AndALiveRunSendsNothing()
    {
        _server.BatchTimeScale = 0;
        var submitted = await _h.RunAsync(Plan(), Bulk());

        Assert.Equal(BatchStatus.Submitted, submitted.Record.Status);
        Assert.Equal(5, submitted.Record.Submitted);
        Assert.Equal(5, submitted.Submitted);
        Assert.Empty(_server.ChatRequests);
        var upload = Assert.Single(_server.Uploads);
        var created = Assert.Single(_server.BatchesCreated);
        Assert.Equal("/v1/chat/completions", created.Endpoint);
        Assert.Equal(upload.Id, created.InputFileId);
        Assert.Matches("^gleitzeit-[0-9a-f]{32}\\.jsonl$", upload.FileName);
        Assert.Equal(upload.FileName, $"gleitzeit-{created.Metadata!["gleitzeit_ledger"]}.jsonl");
        Assert.Contains(created.Id, submitted.Record.RemoteBatches.Keys);
        Assert.All(submitted.Record.Results.Values, r => Assert.Equal(created.Id, r.RemoteBatch));
        var lines = await UploadedLinesAsync(upload.Id);
        Assert.Equal(5, lines.Count);
        Assert.Equal(submitted.Record.Results.Values.Select(r => r.CacheKey).Order(StringComparer.Ordinal), lines.Select(l => l["custom_id"]!.GetValue<string>()).Order(StringComparer.Ordinal));

        // Nothing of the documents' text stays on disk once uploaded; the key is nowhere.
        Assert.Empty(Directory.EnumerateFiles(_h.Workspace.CacheDirectory, "*.jsonl", SearchOption.AllDirectories));
        Assert.DoesNotContain(Directory.EnumerateFiles(_h.Workspace.Home, "*", SearchOption.AllDirectories), f => File.ReadAllText(f).Contains(Key, StringComparison.Ordinal));

        _server.BatchTimeScale = 600;
        _server.AdvanceBatchClock(TimeSpan.FromHours(1));
        var collected = await _h.ResumeAsync(submitted.Record.BatchId, Bulk());

        Assert.True(collected.AllSucceeded, string.Join("; ", collected.Record.Results.Values.Select(r => r.Error)));
        Assert.Equal(BatchStatus.Completed, collected.Record.Status);
        Assert.True(collected.Record.RemoteBatches[created.Id].Collected);
        Assert.Equal("completed", collected.Record.RemoteBatches[created.Id].Status);
        Assert.All(collected.Record.Results.Values, r => Assert.StartsWith("Reply ", r.Result, StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFiles(LedgerDirectory, "*.json"));
        Assert.Contains(upload.Id, _server.FilesDeleted);
        Assert.Single(_server.BatchesCreated);

        // The live run keys each item as bulk did: everything is served from the cache.
        var live = await _h.RunAsync(Plan(), Bulk(bulk: false));
        Assert.True(live.AllSucceeded);
        Assert.Equal(5, live.Record.Cached);
        Assert.Empty(_server.ChatRequests);

        // And a live call of the same item sends the very body the JSONL line held, streamed.
        var fresh = await _h.RunAsync(Plan(), Bulk(bulk: false) with { CacheMode = CacheMode.Off });
        Assert.True(fresh.AllSucceeded);
        foreach (var request in _server.ChatRequests)
        {
            var body = (JsonObject)request.Body!.DeepClone();
            Assert.True(body.Remove("stream"));
            body.Remove("stream_options");
            var line = Assert.Single(lines, l => l["body"]!["messages"]!.ToJsonString() == body["messages"]!.ToJsonString());
            Assert.True(JsonNode.DeepEquals(line["body"], body), $"{line["body"]!.ToJsonString()}\n{body.ToJsonString()}");
        }
    }

    [Fact]
    public async Task Bulk_SplitsAtTheRequestLimit_AndNoRunSubmitsAKeyTwiceWhileItsBatchIsPending()
    {
        _server.BatchTimeScale = 0;
        var first = await _h.RunAsync(Plan(), Bulk() with { BulkMaxRequests = 2 });
        Assert.Equal(5, first.Submitted);
        Assert.Equal(3, _server.BatchesCreated.Count);
        Assert.Equal(3, first.Record.RemoteBatches.Count);

        // A second run, and a process that shares the results directory, find every key pending.
        var second = await _h.RunAsync(Plan(), Bulk() with { BulkMaxRequests = 2 });
        Assert.Equal(0, second.Submitted);
        Assert.Equal(5, second.Record.Submitted);
        Assert.Equal(3, _server.BatchesCreated.Count);
        Assert.Equal(3, _server.Uploads.Count);

        // A Locked build sends nothing and says where the answer is.
        var locked = await _h.RunAsync(Plan(), Bulk() with { CacheMode = CacheMode.Locked });
        Assert.All(locked.Record.Results.Values, r => Assert.Equal(DiagnosticCodes.BulkSubmitted, r.ErrorCode));
        Assert.All(locked.Record.Results.Values, r => Assert.Contains("remote batch batch_", r.Error, StringComparison.Ordinal));

        _server.BatchTimeScale = 600;
        _server.AdvanceBatchClock(TimeSpan.FromHours(2));
        var third = await _h.RunAsync(Plan(), Bulk());
        Assert.True(third.AllSucceeded);
        Assert.Equal(5, third.Collected);
        Assert.Equal(0, third.Sent);
        Assert.Equal(3, _server.BatchesCreated.Count);
    }

    [Fact]
    public async Task Bulk_SplitsAtTheByteLimit_EachKeyInOneFile_AndARequestLargerThanAFileMayBeFailsItsItem_NamingTheWayOut()
    {
        _h.Workspace.Write("zeta.txt", "The zeta manual, much longer than the others. " + string.Concat(Enumerable.Repeat("More of its own words. ", 100)));
        _server.BatchTimeScale = 0;
        const int limit = 1200;

        var run = await _h.RunAsync(Plan(), Bulk() with { BulkMaxBytes = limit });

        Assert.Equal(5, run.Submitted);
        Assert.True(_server.BatchesCreated.Count > 1, $"{_server.BatchesCreated.Count} batch(es) for five requests at {limit} bytes a file");
        Assert.All(_server.Uploads, u => Assert.True(u.Bytes <= limit, $"{u.FileName}: {u.Bytes} bytes"));
        var keys = new List<string>();
        foreach (var upload in _server.Uploads)
        {
            keys.AddRange((await UploadedLinesAsync(upload.Id)).Select(l => l["custom_id"]!.GetValue<string>()));
        }

        Assert.Equal(5, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(5, keys.Count);
        var large = run.Record.Results.Values.Single(r => r.File == "zeta.txt");
        Assert.Equal(DiagnosticCodes.FileTooLarge, large.ErrorCode);
        Assert.Contains($"is larger than a Batch API input file may be ({limit} bytes): send it with execution: live", large.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bulk_ARemoteBatchCancelledAtTheService_KeepsWhatItAnswered_TheRestFailWithTheServicesReason_AndTheNextRunSubmitsOnlyThose()
    {
        // Someone cancels the batch in the service's dashboard after two answers: those two are kept, the rest are not
        // submitted again by this run (a cancel is a person's decision), and a later run asks only for them.
        _server.InjectBatchFate(BatchFate.Cancel, times: 1, afterRequests: 2);
        var outcome = await _h.RunAsync(Plan(), Bulk() with { BulkWait = TimeSpan.FromMinutes(1) });

        var results = outcome.Record.Results.Values.ToList();
        Assert.Equal(2, results.Count(r => r.Status == ItemResult.Success));
        var unanswered = results.Where(r => r.Status != ItemResult.Success).ToList();
        Assert.Equal(3, unanswered.Count);
        Assert.Single(_server.BatchesCreated);
        Assert.All(unanswered, r => Assert.StartsWith("batch_cancelled: This request could not be executed before the batch was cancelled. (Batch API, after 1 submission)", r.Error, StringComparison.Ordinal));
        Assert.Contains(outcome.Record.RemoteBatches.Values, b => b.Status == "cancelled" && b.Collected);

        var again = await _h.RunAsync(Plan(), Bulk() with { BulkWait = TimeSpan.FromMinutes(1) });
        Assert.True(again.AllSucceeded);
        Assert.Equal(3, again.Collected);
        Assert.Equal(2, _server.BatchesCreated.Count);
        Assert.Equal(3, again.Submitted);
    }

    [Fact]
    public async Task Bulk_CollectingStoresEveryAnswer_BeforeItDeletesAnyFileAtTheService()
    {
        // A process killed between the two would otherwise find the output gone and pay for the whole batch again.
        _server.BatchTimeScale = 0;
        var submitted = await _h.RunAsync(Plan(), Bulk());
        Assert.Equal(5, submitted.Submitted);
        _server.BatchTimeScale = 600;
        _server.AdvanceBatchClock(TimeSpan.FromHours(1));
        int? storedAtFirstDelete = null;
        _server.BatchApiReplies = (method, _) =>
        {
            storedAtFirstDelete ??= method == "DELETE" ? Directory.EnumerateFiles(Path.Combine(_h.Workspace.CacheDirectory, "entries"), "*.json", SearchOption.AllDirectories).Count() : null;
            return null;
        };

        var collected = await _h.RunAsync(Plan(), Bulk());

        Assert.Equal(5, collected.Collected);
        Assert.Equal(5, storedAtFirstDelete);
        Assert.NotEmpty(_server.FilesDeleted);
    }

    [Fact]
    public async Task Bulk_AFileEditedAfterTheRunKeyedIt_IsNotSubmittedUnderItsOldKey_AndTheNextRunSendsItAsItIsThen()
    {
        // Over what a run keeps in memory, so it is read again for its request: while this run waits for the ledger.
        var big = _h.Workspace.Write("big.txt", "The original manual. " + string.Concat(Enumerable.Repeat("Apples and more apples. ", 900)));
        _server.BatchTimeScale = 0;
        Directory.CreateDirectory(LedgerDirectory);
        Task<Gleitzeit.Batch.Execution.BatchOutcome> running;
        using (new FileStream(Path.Combine(LedgerDirectory, "ledger.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            running = _h.RunAsync(Plan(), Bulk());
            await Task.Delay(TimeSpan.FromSeconds(3));
            File.WriteAllText(big, "The edited manual. " + string.Concat(Enumerable.Repeat("Bananas and more bananas. ", 900)));
        }

        var outcome = await running;

        var edited = outcome.Record.Results["big.txt"];
        Assert.Equal(ItemResult.Failed, edited.Status);
        Assert.Contains("the file changed while the run read it: not submitted; the next run sends it as it is then", edited.Error, StringComparison.Ordinal);
        Assert.Equal(5, outcome.Submitted);
        var again = await _h.RunAsync(Plan(), Bulk());
        Assert.Equal(1, again.Submitted);
    }

    [Fact]
    public async Task Bulk_CutAndFilteredAnswersFail_ExpiredRequestsAreResubmitted_AndWaitCollectsInOneRun()
    {
        _server.Endings = user =>
            user.Contains("alpha", StringComparison.Ordinal) ? ("The alpha manual is", "length")
            : user.Contains("beta", StringComparison.Ordinal) ? (string.Empty, "content_filter")
            : null;

        // The first batch expires after two answers: the other three go again, once, and are answered.
        _server.InjectBatchFate(BatchFate.Expire, times: 1, afterRequests: 2);
        var outcome = await _h.RunAsync(Plan(), Bulk() with { BulkWait = TimeSpan.FromMinutes(1) });

        var results = outcome.Record.Results;
        Assert.Equal(DiagnosticCodes.AnswerCut, results["alpha.txt"].ErrorCode);
        Assert.Equal(DiagnosticCodes.AnswerFiltered, results["beta.txt"].ErrorCode);
        Assert.Contains("Batch API, after 1 submission", results["alpha.txt"].Error, StringComparison.Ordinal);
        Assert.All(new[] { "gamma.txt", "delta.txt", "epsilon.txt" }, f => Assert.Equal(ItemResult.Success, results[f].Status));
        Assert.Equal(2, _server.BatchesCreated.Count);
        Assert.Equal(BatchStatus.Completed, outcome.Record.Status);
        Assert.Contains(outcome.Record.RemoteBatches.Values, b => b.Status == "expired" && b.Collected);

        // Failures are never cached: the next run submits just those two again.
        _server.Endings = null;
        var again = await _h.RunAsync(Plan(), Bulk() with { BulkWait = TimeSpan.FromMinutes(1) });
        Assert.True(again.AllSucceeded);
        Assert.Equal(3, _server.BatchesCreated.Count);
        Assert.Equal(2, again.Collected);
    }

    [Fact]
    public async Task Bulk_RequestsThatKeepFailingForAPassingReason_FailAfterThreeSubmissions_WithTheServicesReason()
    {
        _server.BatchLineFaults = id => ServerFault.InternalError;
        var outcome = await _h.RunAsync(Plan(), Bulk() with { BulkWait = TimeSpan.FromMinutes(1) });

        Assert.All(outcome.Record.Results.Values, r => Assert.Equal(ItemResult.Failed, r.Status));
        Assert.All(outcome.Record.Results.Values, r => Assert.Contains("after 3 submissions", r.Error, StringComparison.Ordinal));
        Assert.All(outcome.Record.Results.Values, r => Assert.Contains("status 500", r.Error, StringComparison.Ordinal));
        Assert.Equal(3, _server.BatchesCreated.Count);
    }

    [Fact]
    public async Task Bulk_ARunThatLostTheCreateAnswer_AdoptsTheBatchTheServiceMade_InsteadOfSubmittingAgain()
    {
        using var cancel = new CancellationTokenSource();
        _server.BatchHook = step =>
        {
            if (step == BatchApiStep.BatchCreated)
            {
                cancel.Cancel();
            }

            return Task.CompletedTask;
        };
        _server.BatchTimeScale = 0;
        var lost = await _h.RunAsync(Plan(), Bulk(), cancel.Token);
        Assert.Equal(BatchStatus.Cancelled, lost.Record.Status);
        Assert.Single(_server.BatchesCreated);

        _server.BatchHook = null;
        _server.BatchTimeScale = 600;
        _server.AdvanceBatchClock(TimeSpan.FromHours(1));
        var collected = await _h.RunAsync(Plan(), Bulk());
        Assert.True(collected.AllSucceeded, string.Join("; ", collected.Record.Results.Values.Select(r => r.Error)));
        Assert.Single(_server.BatchesCreated);
        Assert.Single(_server.Uploads);
    }

    [Fact]
    public async Task Bulk_WithAProviderThatHasNoBatchApi_OrWithoutTheCache_StopsWithASettingError()
    {
        var ollama = await _h.RunAsync(_h.Plan(BatchHarness.Template()), _h.Workspace.Settings(_h.Server.Endpoint) with { Bulk = true });
        Assert.Equal(BatchStatus.Aborted, ollama.Record.Status);
        Assert.Equal(DiagnosticCodes.InvalidSetting, ollama.Record.ErrorCode);
        Assert.Contains("openai or azure-openai", ollama.Record.Error, StringComparison.Ordinal);

        var uncached = await _h.RunAsync(Plan(), Bulk() with { CacheMode = CacheMode.Off });
        Assert.Equal(BatchStatus.Aborted, uncached.Record.Status);
        Assert.Contains("cache", uncached.Record.Error, StringComparison.Ordinal);
        Assert.Empty(_server.Uploads);
    }

    [Fact]
    public async Task Bulk_OnAzureOpenAi_SendsTheKeyInItsHeader_ToItsV1Path_WithItsEndpointName()
    {
        _server.AuthStyle = OpenAiAuthStyle.ApiKeyHeader;
        _server.RoutePrefix = "/openai/v1";
        var azure = Bulk() with { Provider = "azure-openai", Endpoint = _server.Endpoint, Environment = name => name == "AZURE_OPENAI_API_KEY" ? Key : null, BulkWait = TimeSpan.FromMinutes(1) };

        var outcome = await _h.RunAsync(Plan(), azure);

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)) + outcome.Record.Error);
        Assert.Equal("/chat/completions", Assert.Single(_server.BatchesCreated).Endpoint);
        Assert.All(_server.Requests, r => Assert.Equal("api-key", r.AuthHeader));
        Assert.All(_server.Requests, r => Assert.StartsWith("/openai/v1/", r.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bulk_AServerWithoutTheBatchApi_IsNamedAsSuch_AndNothingIsLeftPending()
    {
        _server.RoutePrefix = "/somewhere-else";
        var outcome = await _h.RunAsync(Plan(), Bulk() with { Endpoint = _server.Endpoint + "/v1" });

        Assert.Equal(BatchStatus.Aborted, outcome.Record.Status);
        Assert.Contains("Batch API", outcome.Record.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(LedgerDirectory) ? Directory.EnumerateFiles(LedgerDirectory, "*.json") : []);
    }

    [Fact]
    public async Task Bulk_ALedgerThatCannotBeWritten_StopsBeforeAnythingIsUploaded_NamingIt()
    {
        Directory.CreateDirectory(_h.Workspace.ResultsDirectory);
        File.WriteAllText(LedgerDirectory, "a file where the ledger's folder belongs");

        var outcome = await _h.RunAsync(Plan(), Bulk());

        Assert.Equal(BatchStatus.Aborted, outcome.Record.Status);
        Assert.Equal(DiagnosticCodes.OutputWriteFailed, outcome.Record.ErrorCode);
        Assert.Contains(LedgerDirectory, outcome.Record.Error, StringComparison.Ordinal);
        Assert.Empty(_server.Uploads);
    }

    private string LedgerEntry() => Assert.Single(Directory.GetFiles(LedgerDirectory, "*.json"));

    [Fact]
    public async Task Bulk_ARemoteBatchTheServiceNoLongerHas_FreesItsRequests_WhichAreSentAgain()
    {
        _server.BatchTimeScale = 0;
        await _h.RunAsync(Plan(), Bulk());
        var entry = LedgerEntry();
        File.WriteAllText(entry, File.ReadAllText(entry).Replace(_server.BatchesCreated[0].Id, "batch_gone_from_the_service", StringComparison.Ordinal));

        _server.BatchTimeScale = 600;
        var outcome = await _h.RunAsync(Plan(), Bulk() with { BulkWait = TimeSpan.FromMinutes(1) });

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)));
        Assert.Equal(2, _server.BatchesCreated.Count);
        Assert.Contains(_h.Events, e => e.Message?.Contains("batch_gone_from_the_service is gone from the service", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("cut")]
    [InlineData("no keys")]
    [InlineData("submitted without a batch id")]
    public async Task Bulk_ALedgerEntryCutShortOrEdited_StopsTheRun_NamingIt_AndNothingIsSubmittedTwice(string damage)
    {
        _server.BatchTimeScale = 0;
        await _h.RunAsync(Plan(), Bulk());
        var entry = LedgerEntry();
        var json = JsonNode.Parse(File.ReadAllText(entry))!.AsObject();
        switch (damage)
        {
            case "cut":
                File.WriteAllText(entry, json.ToJsonString()[..40]);
                break;
            case "no keys":
                json["keys"] = null;
                File.WriteAllText(entry, json.ToJsonString());
                break;
            default:
                json.Remove("batch_id");
                File.WriteAllText(entry, json.ToJsonString());
                break;
        }

        var outcome = await _h.RunAsync(Plan(), Bulk());

        Assert.Equal(BatchStatus.Aborted, outcome.Record.Status);
        Assert.Equal(DiagnosticCodes.InvalidSetting, outcome.Record.ErrorCode);
        Assert.StartsWith(entry + ": bulk ledger entry cannot be read", outcome.Record.Error, StringComparison.Ordinal);
        Assert.Single(_server.BatchesCreated);
        Assert.Single(_server.Uploads);
    }

    [Theory]
    [InlineData("POST", "/v1/files", 200, "{\"object\":\"file\",\"note\":\"KEY\"}", "application/json")]
    [InlineData("GET", "/v1/batches/", 200, "upstream says: bad bearer KEY", "text/plain")]
    public async Task Bulk_AServiceThatEchoesTheKeyInAnOddAnswer_NeverHasItInAWarningRecordOrFile(string method, string path, int status, string body, string contentType)
    {
        _server.BatchApiReplies = (m, p) => m == method && p.StartsWith(path, StringComparison.Ordinal) ? (status, body.Replace("KEY", Key, StringComparison.Ordinal), contentType) : null;

        var outcome = await _h.RunAsync(Plan(), Bulk() with { BulkWait = TimeSpan.FromSeconds(2) });

        Assert.Contains(_h.Events, e => e.Kind == BatchEventKind.Warning && e.Message!.Contains("***", StringComparison.Ordinal));
        Assert.DoesNotContain(_h.Events, e => e.Message?.Contains(Key, StringComparison.Ordinal) == true);
        Assert.DoesNotContain(Key, outcome.Record.Error ?? string.Empty, StringComparison.Ordinal);
        Assert.All(outcome.Record.Results.Values, r => Assert.DoesNotContain(Key, r.Error ?? string.Empty, StringComparison.Ordinal));
        Assert.DoesNotContain(Directory.EnumerateFiles(_h.Workspace.Root, "*", SearchOption.AllDirectories), f => File.ReadAllText(f).Contains(Key, StringComparison.Ordinal));
    }
}

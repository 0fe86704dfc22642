using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Testing;

/// <summary>The OpenAI test server's Files and Batch APIs speak OpenAI's wire format over raw HTTP, on a batch clock the test drives.</summary>
public sealed class OpenAiBatchServerTests : IAsyncLifetime
{
    private const string Model = "gpt-4o-mini";
    private const string ChatEndpoint = "/v1/chat/completions";
    private OpenAiTestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await OpenAiTestServer.StartAsync();

        // The clock moves only when a test moves it.
        _server.BatchTimeScale = 0;
        _http = new HttpClient { BaseAddress = new Uri(_server.Endpoint), Timeout = TimeSpan.FromSeconds(5) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Batch_WalksValidatingInProgressFinalizingCompleted_AsTheClockMoves_AndAnswersAsLiveChats()
    {
        var fileId = await UploadId(Line("a", "First question"), Line("b", "Second question"), Line("c", "Third question"));

        var created = await Create(fileId, metadata: new JsonObject { ["job"] = "nightly" });
        var id = Str(created, "id");
        var createdAt = created["created_at"]!.GetValue<long>();
        Assert.StartsWith("batch_", id, StringComparison.Ordinal);
        Assert.Equal("batch", Str(created, "object"));
        Assert.Equal(ChatEndpoint, Str(created, "endpoint"));
        Assert.Equal("validating", Str(created, "status"));
        Assert.Equal(fileId, Str(created, "input_file_id"));
        Assert.Equal("24h", Str(created, "completion_window"));
        Assert.Equal(createdAt + 86_400, created["expires_at"]!.GetValue<long>());
        Assert.Equal("nightly", Str(created["metadata"]!, "job"));
        foreach (var field in (string[])["errors", "output_file_id", "error_file_id", "in_progress_at", "finalizing_at", "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at"])
        {
            Assert.True(created.AsObject().ContainsKey(field), field);
            Assert.Null(created[field]);
        }

        Assert.Equal((0, 0, 0), Counts(created));

        _server.AdvanceBatchClock(TimeSpan.FromSeconds(10));
        var started = await Batch(id);
        Assert.Equal("in_progress", Str(started, "status"));
        Assert.Equal(createdAt + 10, started["in_progress_at"]!.GetValue<long>());
        Assert.Equal((3, 0, 0), Counts(started));

        _server.AdvanceBatchClock(TimeSpan.FromSeconds(1));
        Assert.Equal((3, 1, 0), Counts(await Batch(id)));

        _server.AdvanceBatchClock(TimeSpan.FromSeconds(2));
        var finalizing = await Batch(id);
        Assert.Equal("finalizing", Str(finalizing, "status"));
        Assert.Equal(createdAt + 13, finalizing["finalizing_at"]!.GetValue<long>());
        Assert.Null(finalizing["output_file_id"]);

        _server.AdvanceBatchClock(TimeSpan.FromSeconds(5));
        var done = await Batch(id);
        Assert.Equal("completed", Str(done, "status"));
        Assert.Equal(createdAt + 18, done["completed_at"]!.GetValue<long>());
        Assert.Equal((3, 3, 0), Counts(done));
        Assert.Null(done["error_file_id"]);
        Assert.True(done["usage"]!["total_tokens"]!.GetValue<long>() > 0);

        var lines = await Lines(Str(done, "output_file_id"));
        Assert.Equal(["a", "b", "c"], lines.Select(l => Str(l, "custom_id")));
        Assert.Equal(
            [OpenAiTestServer.ReplyFor("First question"), OpenAiTestServer.ReplyFor("Second question"), OpenAiTestServer.ReplyFor("Third question")],
            lines.Select(l => Str(l["response"]!["body"]!["choices"]![0]!["message"]!, "content")));
        Assert.All(lines, l =>
        {
            Assert.StartsWith("batch_req_", Str(l, "id"), StringComparison.Ordinal);
            Assert.Null(l["error"]);
            Assert.Equal(200, l["response"]!["status_code"]!.GetValue<int>());
            Assert.NotEmpty(Str(l["response"]!, "request_id"));
            Assert.Equal("chat.completion", Str(l["response"]!["body"]!, "object"));
            Assert.Equal("stop", Str(l["response"]!["body"]!["choices"]![0]!, "finish_reason"));
        });
        var output = await Json(await _http.GetAsync($"/v1/files/{Str(done, "output_file_id")}"));
        Assert.Equal("batch_output", Str(output, "purpose"));
        Assert.Equal($"batch_{id}_output.jsonl", Str(output, "filename"));
        var logged = Assert.Single(_server.BatchesCreated);
        Assert.Equal((id, fileId, "nightly"), (logged.Id, logged.InputFileId, logged.Metadata!["job"]));
    }

    [Fact]
    public async Task UploadedFile_IsDescribedServedBackAndDeleted()
    {
        var content = Line("a", "Hello") + "\n";

        using var uploaded = await Upload(content, "requests.jsonl");
        var file = await Json(uploaded);
        var id = Str(file, "id");
        using var content404 = await _http.GetAsync($"/v1/files/{id}x/content");
        var served = await _http.GetByteArrayAsync($"/v1/files/{id}/content");
        var described = await Json(await _http.GetAsync($"/v1/files/{id}"));
        var deleted = await Json(await _http.DeleteAsync($"/v1/files/{id}"));
        using var gone = await _http.GetAsync($"/v1/files/{id}");

        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        Assert.StartsWith("file-", id, StringComparison.Ordinal);
        Assert.Equal("file", Str(file, "object"));
        Assert.Equal(Encoding.UTF8.GetByteCount(content), file["bytes"]!.GetValue<long>());
        Assert.Equal("requests.jsonl", Str(file, "filename"));
        Assert.Equal("batch", Str(file, "purpose"));
        Assert.Equal("processed", Str(file, "status"));
        Assert.True(file["created_at"]!.GetValue<long>() > 1_700_000_000);
        Assert.Equal(file.ToJsonString(), described.ToJsonString());
        Assert.Equal(content, Encoding.UTF8.GetString(served));
        Assert.Equal(HttpStatusCode.NotFound, content404.StatusCode);
        Assert.Equal((id, "file", true), (Str(deleted, "id"), Str(deleted, "object"), deleted["deleted"]!.GetValue<bool>()));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal($"No such File object: {id}", Str((await Json(gone))["error"]!, "message"));
        var upload = Assert.Single(_server.Uploads);
        Assert.Equal((id, "requests.jsonl", "batch", (long)Encoding.UTF8.GetByteCount(content)), (upload.Id, upload.FileName, upload.Purpose, upload.Bytes));
        Assert.Equal([id], _server.FilesDeleted);
    }

    [Fact]
    public async Task Upload_IsRefused_ForAnotherPurpose_ATooLargeFile_AnotherFormat_OrNoMultipart()
    {
        _server.MaxBatchFileBytes = 10;

        using var purpose = await Upload("{}\n", purpose: "fine-tune");
        using var large = await Upload(new string('x', 11));
        using var text = await Upload("{}\n", "notes.txt");
        using var json = await _http.PostAsync("/v1/files", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.All(new[] { purpose, large, text, json }, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Equal("purpose", Str((await Json(purpose))["error"]!, "param"));
        Assert.Equal("File is too large.", Str((await Json(large))["error"]!, "message"));
        Assert.Contains(".jsonl", Str((await Json(text))["error"]!, "message"), StringComparison.Ordinal);
        Assert.StartsWith("Invalid Content-Type header (application/json", Str((await Json(json))["error"]!, "message"), StringComparison.Ordinal);
        Assert.Empty(_server.Uploads);
    }

    [Fact]
    public async Task BadLines_FailValidation_WithOpenAisCodesAndTheirLineNumbers()
    {
        var fileId = await UploadId(
            Line("a", "fine"),
            "{not json",
            Line("a", "the same custom_id again"),
            Line("d", "elsewhere", url: "/v1/embeddings"),
            Line("e", "no model", b => b.Remove("model")),
            Line("f", "streamed", b => b["stream"] = true),
            new JsonObject { ["method"] = "POST", ["url"] = ChatEndpoint, ["body"] = Body("no custom_id") }.ToJsonString());

        var id = Str(await Create(fileId), "id");
        _server.AdvanceBatchClock(TimeSpan.FromSeconds(10));
        var failed = await Batch(id);

        Assert.Equal("failed", Str(failed, "status"));
        Assert.Equal(failed["created_at"]!.GetValue<long>() + 10, failed["failed_at"]!.GetValue<long>());
        Assert.Null(failed["in_progress_at"]);
        Assert.Null(failed["output_file_id"]);
        Assert.Null(failed["error_file_id"]);
        Assert.Equal((0, 0, 0), Counts(failed));
        Assert.Equal("list", Str(failed["errors"]!, "object"));
        var errors = failed["errors"]!["data"]!.AsArray();
        Assert.Equal(
            [("invalid_json_line", 2), ("duplicate_custom_id", 3), ("invalid_url", 4), ("invalid_request", 5), ("streaming_unsupported", 6), ("missing_required_parameter", 7)],
            errors.Select(e => (Str(e!, "code"), e!["line"]!.GetValue<int>())));
        Assert.Equal("This line is not parseable as valid JSON.", Str(errors[0]!, "message"));
        Assert.Equal(["url", "body.model", "body.stream", "custom_id"], errors.Skip(2).Select(e => Str(e!, "param")));
    }

    [Fact]
    public async Task TooManyRequests_OrNone_FailValidation()
    {
        _server.MaxBatchRequests = 2;
        var tooMany = Str(await Create(await UploadId(Line("a", "one"), Line("b", "two"), Line("c", "three"))), "id");
        var empty = Str(await Create(await UploadId()), "id");

        _server.AdvanceBatchClock(TimeSpan.FromSeconds(10));

        Assert.Equal("too_many_tasks", Str((await Batch(tooMany))["errors"]!["data"]![0]!, "code"));
        Assert.Equal("empty_file", Str((await Batch(empty))["errors"]!["data"]![0]!, "code"));
    }

    [Fact]
    public async Task Expiry_LeavesTheAnsweredRequestsInTheOutput_AndTheRestAsBatchExpired()
    {
        _server.BatchRequestTime = TimeSpan.FromHours(10);
        var id = Str(await Create(await UploadId(Line("a", "one"), Line("b", "two"), Line("c", "three"))), "id");

        _server.AdvanceBatchClock(TimeSpan.FromHours(23));
        var running = await Batch(id);
        _server.AdvanceBatchClock(TimeSpan.FromHours(1));
        var expired = await Batch(id);

        Assert.Equal(("in_progress", 2), (Str(running, "status"), Counts(running).Completed));
        Assert.Equal("expired", Str(expired, "status"));
        Assert.Equal(expired["expires_at"]!.GetValue<long>(), expired["expired_at"]!.GetValue<long>());
        Assert.Null(expired["completed_at"]);
        Assert.Equal((3, 2, 1), Counts(expired));
        Assert.Equal(["a", "b"], (await Lines(Str(expired, "output_file_id"))).Select(l => Str(l, "custom_id")));
        var left = Assert.Single(await Lines(Str(expired, "error_file_id")));
        Assert.Equal("c", Str(left, "custom_id"));
        Assert.Null(left["response"]);
        Assert.Equal("batch_expired", Str(left["error"]!, "code"));
        Assert.Equal("This request could not be executed before the completion window expired.", Str(left["error"]!, "message"));
    }

    [Fact]
    public async Task Cancel_GoesCancellingThenCancelled_WithTheRequestsDoneSoFar()
    {
        var id = Str(await Create(await UploadId(Line("a", "one"), Line("b", "two"), Line("c", "three"), Line("d", "four"), Line("e", "five"))), "id");
        _server.AdvanceBatchClock(TimeSpan.FromSeconds(12));

        var cancelling = await Json(await _http.PostAsync($"/v1/batches/{id}/cancel", null));
        _server.AdvanceBatchClock(TimeSpan.FromSeconds(5));
        var cancelled = await Batch(id);
        using var again = await _http.PostAsync($"/v1/batches/{id}/cancel", null);

        Assert.Equal("cancelling", Str(cancelling, "status"));
        Assert.NotNull(cancelling["cancelling_at"]);
        Assert.Null(cancelling["cancelled_at"]);
        Assert.Equal("cancelled", Str(cancelled, "status"));
        Assert.Equal(cancelled["cancelling_at"]!.GetValue<long>() + 5, cancelled["cancelled_at"]!.GetValue<long>());
        Assert.Equal((5, 2, 3), Counts(cancelled));
        Assert.Equal(["a", "b"], (await Lines(Str(cancelled, "output_file_id"))).Select(l => Str(l, "custom_id")));
        var left = await Lines(Str(cancelled, "error_file_id"));
        Assert.Equal(["c", "d", "e"], left.Select(l => Str(l, "custom_id")));
        Assert.All(left, l => Assert.Equal("batch_cancelled", Str(l["error"]!, "code")));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task Cancel_OfACompletedBatch_Gets409()
    {
        var id = Str(await Create(await UploadId(Line("a", "one"))), "id");
        _server.AdvanceBatchClock(TimeSpan.FromMinutes(1));

        using var response = await _http.PostAsync($"/v1/batches/{id}/cancel", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("Cannot cancel a batch with status 'completed'.", Str((await Json(response))["error"]!, "message"));
    }

    [Fact]
    public async Task Lines_AreAnsweredAsLiveChats_FinishReasonsModelChecksContextLengthAndFaults()
    {
        _server.Endings = u => u == "Cut me short" ? ("half a", "length") : null;
        _server.ContextLength = 1000;
        _server.BatchLineFaults = customId => customId switch
        {
            "broken" => ServerFault.InternalError,
            "stuck" => ServerFault.Hang,
            _ => null,
        };
        var fileId = await UploadId(
            Line("plain", "Hello"),
            Line("cut", "Cut me short"),
            Line("unknown", "Hello", b => b["model"] = "gpt-99"),
            Line("long", "Hello", b => b["max_tokens"] = 5000),
            Line("broken", "Hello"),
            Line("stuck", "Hello"));

        var id = Str(await Create(fileId), "id");
        _server.AdvanceBatchClock(TimeSpan.FromMinutes(1));
        var done = await Batch(id);

        Assert.Equal(("completed", (6, 2, 4)), (Str(done, "status"), Counts(done)));
        var output = await Lines(Str(done, "output_file_id"));
        Assert.Equal(["plain", "cut"], output.Select(l => Str(l, "custom_id")));
        var cut = output[1]["response"]!["body"]!["choices"]![0]!;
        Assert.Equal(("half a", "length"), (Str(cut["message"]!, "content"), Str(cut, "finish_reason")));
        var errors = (await Lines(Str(done, "error_file_id"))).ToDictionary(l => Str(l, "custom_id"));
        Assert.Equal(["unknown", "long", "broken", "stuck"], errors.Keys);
        Assert.Equal((404, "model_not_found"), Status(errors["unknown"]));
        Assert.Equal((400, "context_length_exceeded"), Status(errors["long"]));
        Assert.Equal(500, Status(errors["broken"]).Code);
        Assert.Null(errors["broken"]["error"]);
        Assert.Null(errors["stuck"]["response"]);
        Assert.Equal("request_timeout", Str(errors["stuck"]["error"]!, "code"));
    }

    [Fact]
    public async Task InjectedFates_FailValidation_ExpireEarly_AndCancelByTheService()
    {
        _server.InjectBatchFate(BatchFate.FailValidation);
        _server.InjectBatchFate(BatchFate.Expire, afterRequests: 1);
        _server.InjectBatchFate(BatchFate.Cancel, afterRequests: 2);
        var fileId = await UploadId(Line("a", "one"), Line("b", "two"), Line("c", "three"));
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(Str(await Create(fileId), "id"));
        }

        _server.AdvanceBatchClock(TimeSpan.FromMinutes(1));
        var (failed, expired, cancelled, normal) = (await Batch(ids[0]), await Batch(ids[1]), await Batch(ids[2]), await Batch(ids[3]));

        Assert.Equal(("failed", "token_limit_exceeded"), (Str(failed, "status"), Str(failed["errors"]!["data"]![0]!, "code")));
        Assert.Equal(("expired", (3, 1, 2)), (Str(expired, "status"), Counts(expired)));
        Assert.All(await Lines(Str(expired, "error_file_id")), l => Assert.Equal("batch_expired", Str(l["error"]!, "code")));
        Assert.Equal(("cancelled", (3, 2, 1)), (Str(cancelled, "status"), Counts(cancelled)));
        Assert.Equal(("completed", (3, 3, 0)), (Str(normal, "status"), Counts(normal)));
        Assert.Equal(ids, _server.BatchesCreated.Select(b => b.Id));
    }

    [Fact]
    public async Task UnknownIds_Get404_AndAnUnknownInputFile_400()
    {
        using var file = await _http.GetAsync("/v1/files/file-nope");
        using var content = await _http.GetAsync("/v1/files/file-nope/content");
        using var delete = await _http.DeleteAsync("/v1/files/file-nope");
        using var batch = await _http.GetAsync("/v1/batches/batch_nope");
        using var cancel = await _http.PostAsync("/v1/batches/batch_nope/cancel", null);
        using var create = await PostJson("/v1/batches", CreateBody("file-nope"));

        foreach (var response in (HttpResponseMessage[])[file, content, delete, batch, cancel])
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var error = (await Json(response))["error"]!;
            Assert.Equal("invalid_request_error", Str(error, "type"));
            Assert.Contains("nope", Str(error, "message"), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        var refused = (await Json(create))["error"]!;
        Assert.StartsWith("Cannot find file file-nope", Str(refused, "message"), StringComparison.Ordinal);
        Assert.Equal("file_id", Str(refused, "param"));
        Assert.Empty(_server.BatchesCreated);
    }

    [Fact]
    public async Task CreateBatch_RefusesAnotherEndpoint_AnotherWindow_BadMetadata_OrNoFile()
    {
        var fileId = await UploadId(Line("a", "one"));
        var endpoint = CreateBody(fileId);
        endpoint["endpoint"] = "/v1/embeddings";
        var window = CreateBody(fileId);
        window["completion_window"] = "48h";
        var metadata = CreateBody(fileId);
        metadata["metadata"] = new JsonObject { ["tags"] = new JsonArray("x") };
        var noFile = CreateBody(fileId);
        noFile.Remove("input_file_id");

        var errors = new List<JsonNode>();
        foreach (var body in (JsonObject[])[endpoint, window, metadata, noFile])
        {
            using var response = await PostJson("/v1/batches", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            errors.Add((await Json(response))["error"]!);
        }

        Assert.Equal(
            [("invalid_value", "endpoint"), ("invalid_value", "completion_window"), ("invalid_type", "metadata.tags"), ("missing_required_parameter", "input_file_id")],
            errors.Select(e => (Str(e, "code"), Str(e, "param"))));
        Assert.Empty(_server.BatchesCreated);
    }

    [Fact]
    public async Task AzureStyle_ApiKeyHeader_IsChecked_UnderTheOpenAiPrefix_AndNeverLogged()
    {
        const string key = "azure-SECRET-key-77";
        const string query = "?api-version=2024-10-21";
        _server.RequiredKey = key;
        _server.AuthStyle = OpenAiAuthStyle.ApiKeyHeader;
        _server.RoutePrefix = "/openai";
        var jsonl = Line("a", "Hello Azure", url: "/chat/completions") + "\n";

        using var noKey = await Upload(jsonl, prefix: "/openai", query: query);
        using var bearer = await Upload(jsonl, prefix: "/openai", query: query, configure: r => r.Headers.Authorization = new("Bearer", key));
        using var otherPrefix = await Upload(jsonl, prefix: "/v1", configure: r => r.Headers.Add("api-key", key));
        using var uploaded = await Upload(jsonl, prefix: "/openai", query: query, configure: r => r.Headers.Add("api-key", key));
        var fileId = Str(await Json(uploaded), "id");
        using var create = await Send(HttpMethod.Post, "/openai/batches" + query, CreateBody(fileId, "/chat/completions"), key);
        var id = Str(await Json(create), "id");
        _server.AdvanceBatchClock(TimeSpan.FromMinutes(1));
        using var done = await Send(HttpMethod.Get, $"/openai/batches/{id}{query}", null, key);
        var batch = await Json(done);
        using var output = await Send(HttpMethod.Get, $"/openai/files/{Str(batch, "output_file_id")}/content{query}", null, key);
        var line = JsonNode.Parse(await output.Content.ReadAsStringAsync())!;

        Assert.Equal(
            [HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK],
            new[] { noKey, bearer, otherPrefix, uploaded, create, done }.Select(r => r.StatusCode));
        Assert.Equal("completed", Str(batch, "status"));
        Assert.Equal(OpenAiTestServer.ReplyFor("Hello Azure"), Str(line["response"]!["body"]!["choices"]![0]!["message"]!, "content"));
        var log = _server.Requests;
        Assert.Equal(
            ["/openai/files", "/openai/files", "/v1/files", "/openai/files", "/openai/batches", $"/openai/batches/{id}", $"/openai/files/{Str(batch, "output_file_id")}/content"],
            log.Select(r => r.Path));
        Assert.Equal([401, 401, 404, 200, 200, 200, 200], log.Select(r => r.StatusCode));
        Assert.Equal("api-key", log[3].AuthHeader);
        Assert.DoesNotContain(key, string.Join('\n', log.Select(r => r.ToString() + r.Body?.ToJsonString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_IsNewestFirst_AndPagesWithAfter()
    {
        var fileId = await UploadId(Line("a", "one"));
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(Str(await Create(fileId), "id"));
        }

        var first = await Json(await _http.GetAsync("/v1/batches?limit=2"));
        var second = await Json(await _http.GetAsync($"/v1/batches?limit=2&after={Str(first, "last_id")}"));
        using var zero = await _http.GetAsync("/v1/batches?limit=0");

        Assert.Equal("list", Str(first, "object"));
        Assert.Equal([ids[2], ids[1]], first["data"]!.AsArray().Select(b => Str(b!, "id")));
        Assert.Equal((ids[2], ids[1], true), (Str(first, "first_id"), Str(first, "last_id"), first["has_more"]!.GetValue<bool>()));
        Assert.Equal([ids[0]], second["data"]!.AsArray().Select(b => Str(b!, "id")));
        Assert.False(second["has_more"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.BadRequest, zero.StatusCode);
    }

    [Fact]
    public async Task TheBatchClock_RunsAtItsScale()
    {
        await using var fresh = await OpenAiTestServer.StartAsync();
        Assert.Equal(600, fresh.BatchTimeScale);
        var id = Str(await Create(await UploadId(Line("a", "one"), Line("b", "two"))), "id");
        var before = _server.BatchNow;

        _server.BatchTimeScale = 1_000_000;
        await Task.Delay(20);
        _server.BatchTimeScale = 0;

        // At least 10 ms of real time passed (a timer may fire a little early): 10,000 s of batch time.
        Assert.True(_server.BatchNow - before >= TimeSpan.FromSeconds(10_000), $"{_server.BatchNow - before}");
        Assert.Equal("completed", Str(await Batch(id), "status"));
    }

    private static JsonObject Body(string user) => new()
    {
        ["model"] = Model,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = user }),
    };

    private static string Line(string customId, string user, Action<JsonObject>? change = null, string url = ChatEndpoint)
    {
        var body = Body(user);
        change?.Invoke(body);
        return new JsonObject { ["custom_id"] = customId, ["method"] = "POST", ["url"] = url, ["body"] = body }.ToJsonString();
    }

    private static JsonObject CreateBody(string fileId, string endpoint = ChatEndpoint) =>
        new() { ["input_file_id"] = fileId, ["endpoint"] = endpoint, ["completion_window"] = "24h" };

    private Task<HttpResponseMessage> Upload(
        string content, string fileName = "requests.jsonl", string purpose = "batch", string prefix = "/v1", string query = "", Action<HttpRequestMessage>? configure = null)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(purpose), "purpose" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(content)) { Headers = { ContentType = new MediaTypeHeaderValue("application/jsonl") } }, "file", fileName },
        };
        var request = new HttpRequestMessage(HttpMethod.Post, prefix + "/files" + query) { Content = form };
        configure?.Invoke(request);
        return _http.SendAsync(request);
    }

    private async Task<string> UploadId(params string[] lines)
    {
        using var response = await Upload(string.Concat(lines.Select(l => l + "\n")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Str(await Json(response), "id");
    }

    private async Task<JsonNode> Create(string fileId, JsonObject? metadata = null)
    {
        var body = CreateBody(fileId);
        body["metadata"] = metadata;
        using var response = await PostJson("/v1/batches", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json(response);
    }

    private async Task<JsonNode> Batch(string id) => await Json(await _http.GetAsync($"/v1/batches/{id}"));

    private async Task<List<JsonNode>> Lines(string fileId)
    {
        var text = await _http.GetStringAsync($"/v1/files/{fileId}/content");
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];
    }

    private Task<HttpResponseMessage> PostJson(string path, JsonObject body) =>
        _http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, JsonObject? body, string apiKey)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("api-key", apiKey);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return _http.SendAsync(request);
    }

    private static async Task<JsonNode> Json(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    private static string Str(JsonNode node, string name) => node[name]!.GetValue<string>();

    private static (int Total, int Completed, int Failed) Counts(JsonNode batch)
    {
        var counts = batch["request_counts"]!;
        return (counts["total"]!.GetValue<int>(), counts["completed"]!.GetValue<int>(), counts["failed"]!.GetValue<int>());
    }

    private static (int Code, string? ErrorCode) Status(JsonNode line) =>
        (line["response"]!["status_code"]!.GetValue<int>(), line["response"]!["body"]!["error"]!["code"]?.GetValue<string>());
}

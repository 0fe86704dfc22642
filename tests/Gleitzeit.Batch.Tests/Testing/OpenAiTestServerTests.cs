using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Testing;

/// <summary>The OpenAI-protocol test server speaks the wire format real servers do, over raw HTTP.</summary>
public sealed class OpenAiTestServerTests : IAsyncLifetime
{
    private const string Model = "gpt-4o-mini";
    private OpenAiTestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await OpenAiTestServer.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_server.Endpoint), Timeout = TimeSpan.FromSeconds(5) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData("/v1/models")]
    [InlineData("/openai/v1/models")]
    [InlineData("/inference/models")]
    public async Task Models_AreListed_UnderEveryPrefix(string path)
    {
        _server.AddModel("Qwen/Qwen2.5-0.5B-Instruct", "vllm");

        var json = await GetJson(path);

        Assert.Equal("list", json["object"]!.GetValue<string>());
        var model = json["data"]!.AsArray().Single(m => m!["id"]!.GetValue<string>() == "Qwen/Qwen2.5-0.5B-Instruct")!;
        Assert.Equal("model", model["object"]!.GetValue<string>());
        Assert.Equal("vllm", model["owned_by"]!.GetValue<string>());
        Assert.True(model["created"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task Completion_AnswersTheReplyWithFinishReasonAndUsage()
    {
        using var response = await Chat(Body("Summarise this"));
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat.completion", json["object"]!.GetValue<string>());
        Assert.Equal(Model, json["model"]!.GetValue<string>());
        var choice = json["choices"]![0]!;
        Assert.Equal(OpenAiTestServer.ReplyFor("Summarise this"), choice["message"]!["content"]!.GetValue<string>());
        Assert.Equal("assistant", choice["message"]!["role"]!.GetValue<string>());
        Assert.Equal("stop", choice["finish_reason"]!.GetValue<string>());
        var logged = Assert.Single(_server.ChatRequests);
        Assert.Equal(OpenAiTestServer.PromptTokens(logged.Messages), json["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(OpenAiTestServer.CompletionTokens(OpenAiTestServer.ReplyFor("Summarise this")), json["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(0.2, logged.Options!["temperature"]!.GetValue<double>());
        Assert.Equal(7, logged.Options!["seed"]!.GetValue<int>());
        Assert.Equal("json_schema", logged.Format!["type"]!.GetValue<string>());
        Assert.Equal(200, logged.StatusCode);
    }

    [Fact]
    public async Task Stream_SendsRoleContentFinishReasonUsageThenDone()
    {
        var body = Body("Stream me please", stream: true);
        body["stream_options"] = new JsonObject { ["include_usage"] = true };

        using var response = await Chat(body);
        var events = await Events(response);

        Assert.StartsWith("text/event-stream", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c["object"]!.GetValue<string>()));
        Assert.Equal("assistant", chunks[0]["choices"]![0]!["delta"]!["role"]!.GetValue<string>());
        var text = string.Concat(chunks.Where(c => c["choices"]!.AsArray().Count > 0).Select(c => c["choices"]![0]!["delta"]!["content"]?.GetValue<string>()));
        Assert.Equal(OpenAiTestServer.ReplyFor("Stream me please"), text);
        Assert.Equal("stop", chunks[^2]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Empty(chunks[^1]["choices"]!.AsArray());
        var usage = chunks[^1]["usage"]!;
        Assert.Equal(usage["prompt_tokens"]!.GetValue<int>() + usage["completion_tokens"]!.GetValue<int>(), usage["total_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task MaxTokens_CutsTheReply_WithFinishReasonLength()
    {
        var body = Body("A fairly long question about many things");
        body["max_completion_tokens"] = 2;

        var json = JsonNode.Parse(await (await Chat(body)).Content.ReadAsStringAsync())!;

        Assert.Equal("length", json["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(2, json["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task BearerKey_IsRequired_AndNeverLogged()
    {
        const string key = "sk-test-SECRET-4f1c";
        _server.RequiredKey = key;

        using var missing = await Chat(Body("Hello"));
        using var wrong = await Chat(Body("Hello"), r => r.Headers.Authorization = new("Bearer", "sk-wrong"));
        using var right = await Chat(Body("Hello"), r => r.Headers.Authorization = new("Bearer", key));

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("invalid_api_key", JsonNode.Parse(await wrong.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        var log = _server.ChatRequests;
        Assert.Equal([false, true, true], log.Select(r => r.AuthPresented));
        Assert.Equal([false, false, true], log.Select(r => r.AuthValid));
        Assert.Equal([401, 401, 200], log.Select(r => r.StatusCode));
        Assert.DoesNotContain(key, string.Join('\n', log.Select(r => r.ToString() + r.Body!.ToJsonString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKeyHeader_IsTheAzureStyle_AndBearerIsRefused()
    {
        _server.RequiredKey = "azure-key";
        _server.AuthStyle = OpenAiAuthStyle.ApiKeyHeader;
        _server.RoutePrefix = "/openai/v1";

        using var bearer = await Chat(Body("Hello"), r => r.Headers.Authorization = new("Bearer", "azure-key"), "/openai/v1/chat/completions");
        using var apiKey = await Chat(Body("Hello"), r => r.Headers.Add("api-key", "azure-key"), "/openai/v1/chat/completions?api-version=preview");
        using var otherPrefix = await Chat(Body("Hello"), r => r.Headers.Add("api-key", "azure-key"));

        Assert.Equal(HttpStatusCode.Unauthorized, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, apiKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherPrefix.StatusCode);
        Assert.Equal("api-key", _server.ChatRequests[1].AuthHeader);
    }

    [Fact]
    public async Task ForbiddenKey_Gets403()
    {
        _server.ForbiddenKey = "ghs_no_models_read";

        using var response = await Chat(Body("Hello"), r => r.Headers.Authorization = new("Bearer", "ghs_no_models_read"), "/inference/chat/completions");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task UnknownModel_Gets404_ModelNotFound()
    {
        var body = Body("Hello");
        body["model"] = "gpt-99";

        using var response = await Chat(body);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("model_not_found", error["code"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task OverTheLimit_Gets429_WithRetryAndRateLimitHeaders()
    {
        _server.RequestsPerMinute = 60;
        _server.Burst = 2;
        _server.TokensPerMinute = 100_000;

        using var first = await Chat(Body("one"));
        using var second = await Chat(Body("two"));
        using var third = await Chat(Body("three"));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("60", Header(first, "x-ratelimit-limit-requests"));
        Assert.Equal("1", Header(first, "x-ratelimit-remaining-requests"));
        Assert.Equal("100000", Header(first, "x-ratelimit-limit-tokens"));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("rate_limit_exceeded", JsonNode.Parse(await third.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromSeconds(1), third.Headers.RetryAfter!.Delta);
        Assert.InRange(long.Parse(Header(third, "retry-after-ms")!, CultureInfo.InvariantCulture), 1, 1000);
        Assert.Equal("0", Header(third, "x-ratelimit-remaining-requests"));
        Assert.Matches(@"^(\d+(\.\d+)?s|\d+ms)$", Header(third, "x-ratelimit-reset-requests")!);
        Assert.NotNull(Header(third, "x-ratelimit-reset-tokens"));
        Assert.Equal(3, _server.MaxRequestsInAnyWindow(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task DailyLimit_AsksToWaitHours_AsAnHttpDateWhenAsked()
    {
        _server.RequestsPerDay = 1;

        using var first = await Chat(Body("one"));
        using var seconds = await Chat(Body("two"));
        _server.RetryAfterAsHttpDate = true;
        using var date = await Chat(Body("three"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, seconds.StatusCode);
        Assert.True(seconds.Headers.RetryAfter!.Delta > TimeSpan.FromHours(23));
        Assert.True(date.Headers.RetryAfter!.Date > DateTimeOffset.UtcNow.AddHours(23));
    }

    [Fact]
    public async Task InjectedRateLimit_Gets429Once()
    {
        _server.FaultRetryAfter = TimeSpan.FromMilliseconds(250);
        _server.InjectFault(ServerFault.RateLimited);

        using var limited = await Chat(Body("Hello"));
        using var next = await Chat(Body("Hello"));

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("250", Header(limited, "retry-after-ms"));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task ErrorMidStream_SendsAnErrorEvent_ThenEnds_WithoutFinishReasonOrDone()
    {
        _server.InjectFault(ServerFault.ErrorMidStream);

        using var response = await Chat(Body("Hello there friend", stream: true));
        var events = await Events(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("[DONE]", events);
        Assert.Contains("unexpected EOF", JsonNode.Parse(events[^1])!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(events[..^1], e => JsonNode.Parse(e)!["choices"]![0]!["finish_reason"] is not null);
    }

    [Fact]
    public async Task NoFinishReason_EndsWithDone_ButNoFinishReason()
    {
        _server.InjectFault(ServerFault.NoFinishReason);

        var events = await Events(await Chat(Body("Hello", stream: true)));

        Assert.Equal("[DONE]", events[^1]);
        Assert.DoesNotContain(events[..^1], e => JsonNode.Parse(e)!["choices"]![0]!["finish_reason"] is not null);
    }

    [Fact]
    public async Task Hang_NeverSendsHeaders_UntilTheClientGivesUp()
    {
        _server.InjectFault(ServerFault.Hang);
        using var impatient = new HttpClient { BaseAddress = new Uri(_server.Endpoint), Timeout = TimeSpan.FromMilliseconds(300) };

        await Assert.ThrowsAsync<TaskCanceledException>(() => impatient.PostAsync("/v1/chat/completions", Json(Body("Hello"))));
    }

    [Fact]
    public async Task CutMidStream_BreaksTheResponse()
    {
        _server.InjectFault(ServerFault.CutMidStream);

        using var response = await Chat(Body("Hello there friend", stream: true));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("data: ", await reader.ReadLineAsync(), StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<IOException>(() => reader.ReadToEndAsync());
    }

    [Fact]
    public async Task PastTheQueueLimit_Gets503()
    {
        _server.SetSlots(1);
        _server.QueueLimit = 0;
        _server.Latency = TimeSpan.FromMilliseconds(400);

        var responses = await Task.WhenAll(Chat(Body("one")), Chat(Body("two")));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable], responses.Select(r => r.StatusCode).Order());
    }

    [Fact]
    public async Task TooLargeAPrompt_Gets413()
    {
        _server.MaxPromptTokens = 10;

        using var response = await Chat(Body(new string('x', 200)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task ContentParts_AreLogged_TextAndImages()
    {
        var body = Body("unused");
        body["messages"] = new JsonArray(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(
                new JsonObject { ["type"] = "text", ["text"] = "Describe the picture" },
                new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = "data:image/png;base64,iVBORw0KGgo=" } }),
        });

        var json = JsonNode.Parse(await (await Chat(body)).Content.ReadAsStringAsync())!;

        var logged = Assert.Single(_server.ChatRequests);
        Assert.Equal("Describe the picture", logged.UserContent);
        Assert.Equal(["data:image/png;base64,iVBORw0KGgo="], logged.Messages[0].Images);
        Assert.Equal(OpenAiTestServer.ReplyFor("Describe the picture"), json["choices"]![0]!["message"]!["content"]!.GetValue<string>());
    }

    private static JsonObject Body(string user, bool stream = false) => new()
    {
        ["model"] = Model,
        ["messages"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = "You are terse." },
            new JsonObject { ["role"] = "user", ["content"] = user }),
        ["temperature"] = 0.2,
        ["seed"] = 7,
        ["response_format"] = new JsonObject
        {
            ["type"] = "json_schema",
            ["json_schema"] = new JsonObject { ["name"] = "answer", ["strict"] = true, ["schema"] = new JsonObject { ["type"] = "object" } },
        },
        ["stream"] = stream,
    };

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private Task<HttpResponseMessage> Chat(JsonObject body, Action<HttpRequestMessage>? configure = null, string path = "/v1/chat/completions")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        configure?.Invoke(request);
        return _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private async Task<JsonNode> GetJson(string path) => JsonNode.Parse(await _http.GetStringAsync(path))!;

    /// <summary>The <c>data:</c> payloads of a server-sent-event stream, read to its end.</summary>
    private static async Task<string[]> Events(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return [.. text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => Assert.IsType<string>(e.StartsWith("data: ", StringComparison.Ordinal) ? e[6..] : null))];
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
}

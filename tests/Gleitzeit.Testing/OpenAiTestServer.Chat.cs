using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Gleitzeit.Testing;

/// <summary><c>POST …/chat/completions</c>: checks, limits, faults, slots, then the answer as JSON or server-sent events.</summary>
public sealed partial class OpenAiTestServer
{
    private const string MidStreamError = "an error was encountered while running the model: unexpected EOF";

    private async Task Chat(HttpContext context, LoggedRequest logged, JsonObject body)
    {
        var aborted = context.RequestAborted;
        if (Check(body, logged) is { } refused)
        {
            await Refuse(context, logged, refused.Status, refused.Error);
            return;
        }

        var model = logged.Model!;
        var promptTokens = PromptTokens(logged.Messages);
        if (RawReplies?.Invoke(logged.UserContent) is { } raw)
        {
            logged.StatusCode = 200;
            context.Response.ContentType = raw.ContentType;
            try
            {
                for (var i = 0; i < raw.Pieces.Count; i++)
                {
                    if (i > 0 && RawPiecePause > TimeSpan.Zero)
                    {
                        await Task.Delay(RawPiecePause, aborted);
                    }

                    await context.Response.Body.WriteAsync(RawPieceEncoding.GetBytes(raw.Pieces[i]), aborted);
                    await context.Response.Body.FlushAsync(aborted);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
            }

            return;
        }

        var (content, finishReason) = Ending(logged.UserContent, body);
        var usage = new OpenAiWire.Usage(promptTokens, CompletionTokens(content));
        if (_limiter?.Acquire(usage.PromptTokens + usage.CompletionTokens) is { } decision)
        {
            decision.Apply(context.Response.Headers, RetryAfterAsHttpDate);
            if (!decision.Admitted)
            {
                await Refuse(context, logged, 429, OpenAiWire.Error(decision.Message!, decision.Type!, "rate_limit_exceeded"));
                return;
            }
        }

        var fault = _faults.Take(logged.UserContent);
        if (fault is { } injected && FaultError(injected, model) is { } failed)
        {
            if (injected is ServerFault.RateLimited)
            {
                RateDecision.WriteRetryAfter(context.Response.Headers, FaultRetryAfter, RetryAfterAsHttpDate);
            }

            await Refuse(context, logged, failed.Status, failed.Error);
            return;
        }

        switch (fault)
        {
            case ServerFault.HtmlGatewayError or ServerFault.HtmlLoginPage:
                logged.StatusCode = fault == ServerFault.HtmlGatewayError ? 503 : 200;
                context.Response.StatusCode = logged.StatusCode;
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync(fault == ServerFault.HtmlGatewayError ? ProxyPages.GatewayError : ProxyPages.Login);
                return;
            case ServerFault.EchoCredentials:
                await Refuse(context, logged, 400, OpenAiWire.Error(
                    $"Invalid request headers: Authorization: {context.Request.Headers.Authorization}; api-key: {context.Request.Headers["api-key"]}; key {RequiredKey} rejected", "invalid_request_error", null));
                return;
            case ServerFault.Hang:
                await Task.Delay(Timeout.Infinite, aborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
        }

        if (Interlocked.Increment(ref _waiting) > QueueLimit + _slots.CurrentCount)
        {
            Interlocked.Decrement(ref _waiting);
            await Refuse(context, logged, 503, Overloaded());
            return;
        }

        var slots = _slots;
        try
        {
            await slots.WaitAsync(aborted);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Decrement(ref _waiting);
            return;
        }

        Interlocked.Decrement(ref _waiting);
        var inFlight = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _peakInFlight, inFlight);
        try
        {
            var answer = new Answer($"chatcmpl-{Interlocked.Increment(ref _ids):x8}", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model, content,
                fault is ServerFault.NoFinishReason ? null : finishReason, usage, fault);
            var streamed = Bool(body["stream"]);
            var includeUsage = Bool(body["stream_options"]?["include_usage"]);
            var early = streamed && StreamsBeforeLatency && fault is null;
            if (early)
            {
                // As vLLM does: the stream and its first chunk at once, the answer when it is generated.
                await StartStream(context, answer, includeUsage);
                await context.Response.Body.FlushAsync(aborted);
            }

            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency, aborted);
            }

            logged.StatusCode = fault is ServerFault.ErrorMidStream && !streamed ? 500 : 200;
            if (streamed)
            {
                await StreamAnswer(context, answer, includeUsage, started: early);
            }
            else
            {
                await WholeAnswer(context, answer);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            slots.Release();
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var actual && actual != seen)
        {
            seen = actual;
        }
    }

    private static async Task WholeAnswer(HttpContext context, Answer answer)
    {
        if (answer.Fault is ServerFault.ErrorMidStream)
        {
            // Without a stream there is no middle: the error is the answer.
            await OpenAiWire.WriteJson(context, 500, OpenAiWire.Error(MidStreamError, "server_error", null));
            return;
        }

        var json = OpenAiWire.Completion(answer.Id, answer.Created, answer.Model, answer.Content, answer.FinishReason, answer.Usage).ToJsonString();
        if (answer.Fault is not (ServerFault.StallMidStream or ServerFault.CutMidStream))
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(json, context.RequestAborted);
            return;
        }

        // Half the body, then silence or a cut connection.
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json[..(json.Length / 2)], context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        await Interrupt(context, answer.Fault.Value);
    }

    private static async Task StartStream(HttpContext context, Answer answer, bool includeUsage)
    {
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        var role = new JsonObject { ["role"] = "assistant", ["content"] = string.Empty, ["refusal"] = null };
        await OpenAiWire.WriteEvent(context, OpenAiWire.Chunk(answer.Id, answer.Created, answer.Model, role, null, includeUsage).ToJsonString());
    }

    private static async Task StreamAnswer(HttpContext context, Answer answer, bool includeUsage, bool started = false)
    {
        if (!started)
        {
            await StartStream(context, answer, includeUsage);
        }

        var pieces = ChatFaults.Pieces(answer.Content);
        for (var i = 0; i < pieces.Count; i++)
        {
            if (i == 2 && answer.Fault is ServerFault.ErrorMidStream)
            {
                // As vLLM and LiteLLM do: an error event, then the stream ends without [DONE].
                await OpenAiWire.WriteEvent(context, OpenAiWire.Error(MidStreamError, "server_error", null).ToJsonString());
                return;
            }

            if (i == 2 && answer.Fault is ServerFault.StallMidStream or ServerFault.CutMidStream)
            {
                await Interrupt(context, answer.Fault.Value);
                return;
            }

            var delta = new JsonObject { ["content"] = pieces[i] };
            await OpenAiWire.WriteEvent(context, OpenAiWire.Chunk(answer.Id, answer.Created, answer.Model, delta, null, includeUsage).ToJsonString());
        }

        if (answer.FinishReason is not null)
        {
            await OpenAiWire.WriteEvent(context, OpenAiWire.Chunk(answer.Id, answer.Created, answer.Model, [], answer.FinishReason, includeUsage).ToJsonString());
        }

        if (includeUsage)
        {
            await OpenAiWire.WriteEvent(context, OpenAiWire.UsageChunk(answer.Id, answer.Created, answer.Model, answer.Usage).ToJsonString());
        }

        if (answer.Fault is ServerFault.ErrorAfterFinish)
        {
            // As a gateway whose post-call step fails (LiteLLM's callbacks): the answer is whole, then an error event.
            await OpenAiWire.WriteEvent(context, OpenAiWire.Error(OllamaTestServer.AfterFinishError, "server_error", null).ToJsonString());
        }

        await OpenAiWire.WriteEvent(context, "[DONE]");
    }

    private static async Task Interrupt(HttpContext context, ServerFault fault)
    {
        if (fault is ServerFault.CutMidStream)
        {
            // A flush only reaches Kestrel's output pipe: give the bytes already written time to reach the client, so the cut is mid-stream, not before the headers.
            await Task.Delay(100, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            context.Abort();
            return;
        }

        await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>The reply and its finish reason: cut to <paramref name="maxTokens"/> (by <see cref="CompletionTokens"/>) with <c>length</c>.</summary>
    private static (string Content, string FinishReason) Reply(string userContent, int? maxTokens)
    {
        var reply = ReplyFor(userContent);
        return maxTokens is int most && CompletionTokens(reply) > most ? (reply[..((most - 1) * 4)], "length") : (reply, "stop");
    }

    /// <summary>
    /// The checks every chat meets before it is answered, live or as a batch line: the body (<see cref="Validate"/>),
    /// the model, <see cref="MaxPromptTokens"/>, <see cref="ContextLength"/>; null when it passes.
    /// </summary>
    private ChatRefusal? Check(JsonObject body, LoggedRequest request)
    {
        if (Validate(body) is { } invalid)
        {
            return new ChatRefusal(400, invalid);
        }

        var model = request.Model!;
        if (!_models.ContainsKey(model))
        {
            return new ChatRefusal(404, ModelNotFound(model));
        }

        var promptTokens = PromptTokens(request.Messages);
        if (MaxPromptTokens is int most && promptTokens > most)
        {
            return new ChatRefusal(413, TooLarge(model, most));
        }

        var asked = promptTokens + (Int(body["max_completion_tokens"]) ?? Int(body["max_tokens"]) ?? 0);
        return ContextLength is int window && asked > window
            ? new ChatRefusal(400, OpenAiWire.Error(
                $"This model's maximum context length is {window} tokens. However, you requested {asked} tokens ({promptTokens} in the messages, {asked - promptTokens} in the completion). Please reduce the length of the messages or completion.",
                "invalid_request_error",
                "context_length_exceeded"))
            : null;
    }

    /// <summary>The answer's content and finish reason: <see cref="Endings"/>' when it gives one, else <see cref="Reply"/> cut at the body's <c>max_completion_tokens</c> or <c>max_tokens</c>.</summary>
    private (string Content, string FinishReason) Ending(string userContent, JsonObject body) =>
        Endings?.Invoke(userContent) ?? Reply(userContent, Int(body["max_completion_tokens"]) ?? Int(body["max_tokens"]));

    /// <summary>The status and error body of an injected fault answered as a plain HTTP error; null for the others (hangs, broken streams, HTML pages, echoed credentials).</summary>
    private ChatRefusal? FaultError(ServerFault fault, string model) => fault switch
    {
        ServerFault.InternalError => new ChatRefusal(500, OpenAiWire.Error("The server had an error while processing your request. Sorry about that!", "server_error", null)),
        ServerFault.Busy => new ChatRefusal(503, Overloaded()),
        ServerFault.BadRequest => new ChatRefusal(400, OpenAiWire.Error("Invalid value for 'temperature': bad value.", "invalid_request_error", "invalid_value", "temperature")),
        ServerFault.ModelNotFound => new ChatRefusal(404, ModelNotFound(model)),
        ServerFault.PayloadTooLarge => new ChatRefusal(413, TooLarge(model, MaxPromptTokens ?? 8000)),
        ServerFault.RateLimited => new ChatRefusal(429, OpenAiWire.Error(
            $"Rate limit reached for requests per min (RPM). Please try again in {OpenAiRateLimiter.GoDuration(FaultRetryAfter)}.", "requests", "rate_limit_exceeded")),
        ServerFault.InsufficientQuota => new ChatRefusal(429, OpenAiWire.Error(
            "You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "insufficient_quota")),
        ServerFault.Unauthorized => new ChatRefusal(401, OpenAiWire.Error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key")),
        ServerFault.Forbidden => new ChatRefusal(403, OpenAiWire.Error("The 'models' permission is required to access this endpoint.", "permission_error", "forbidden")),
        _ => null,
    };

    /// <summary>The checks a real server makes that a client could get wrong; null when the body passes.</summary>
    private static JsonObject? Validate(JsonObject body)
    {
        if (body["model"] is not JsonValue model || !model.TryGetValue<string>(out var name) || name.Length == 0)
        {
            return Invalid("You must provide a model parameter.", "model");
        }

        if (body["messages"] is not JsonArray { Count: > 0 })
        {
            return Invalid("Missing required parameter: 'messages'.", "messages");
        }

        foreach (var field in (string[])["max_tokens", "max_completion_tokens"])
        {
            if (body[field] is not null && Int(body[field]) is not >= 1)
            {
                return Invalid($"Invalid '{field}': integer below minimum value. Expected a value >= 1.", field);
            }
        }

        if (body["stream_options"] is not null && !Bool(body["stream"]))
        {
            return Invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options");
        }

        if (body["response_format"] is { } format)
        {
            var type = format["type"] is JsonValue t && t.TryGetValue<string>(out var text) ? text : null;
            if (type is not ("text" or "json_object" or "json_schema"))
            {
                return Invalid("Invalid value for 'response_format.type'.", "response_format.type");
            }

            if (type == "json_schema" && (format["json_schema"]?["name"] is not JsonValue schemaName || !schemaName.TryGetValue<string>(out _)))
            {
                return Invalid("Missing required parameter: 'response_format.json_schema.name'.", "response_format.json_schema.name");
            }
        }

        return null;
    }

    private static JsonObject Invalid(string message, string param) => OpenAiWire.Error(message, "invalid_request_error", null, param);

    private static JsonObject Overloaded() => OpenAiWire.Error("The server is overloaded or not ready yet.", "server_error", null);

    private static JsonObject TooLarge(string model, int limit) => OpenAiWire.Error(
        $"Request body too large for {model} model. Max size: {limit} tokens.", "invalid_request_error", "tokens_limit_reached");

    private static int? Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var n) ? n : null;

    private static bool Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>A chat refused before it is answered: the HTTP status and OpenAI's error body.</summary>
    private readonly record struct ChatRefusal(int Status, JsonObject Error);

    private sealed record Answer(string Id, long Created, string Model, string Content, string? FinishReason, OpenAiWire.Usage Usage, ServerFault? Fault);
}

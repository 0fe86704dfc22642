using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gleitzeit.Testing;

/// <summary>
/// A real HTTP server on 127.0.0.1 speaking the Ollama protocol: <c>/</c>, <c>/api/version</c>,
/// <c>/api/tags</c>, <c>/api/show</c>, <c>/api/chat</c> (streamed NDJSON or <c>stream:false</c>).
/// Replies are derived from the request; every request is logged; latency, parallel slots with a
/// FIFO queue (503 past its limit) and faults are configurable.
/// </summary>
public sealed class OllamaTestServer : IAsyncDisposable
{
    /// <summary>The server's text of <see cref="ServerFault.ErrorAfterFinish"/>, on both protocols' test servers.</summary>
    public const string AfterFinishError = "usage logging failed after the answer was sent";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<LoggedRequest> _log = new();
    private readonly ConcurrentDictionary<string, string> _models = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _contextLengths = new(StringComparer.Ordinal);
    private readonly ChatFaults _faults = new();
    private SemaphoreSlim _slots;
    private int _waiting;
    private int _inFlight;
    private int _stuck;

    private OllamaTestServer(WebApplication app, int slots)
    {
        _app = app;
        _slots = new SemaphoreSlim(slots, slots);
        _models["llama3.2:latest"] = Digest("llama3.2:latest");
        _models["llava:latest"] = Digest("llava:latest");
    }

    /// <summary>The server's base address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Endpoint { get; private set; } = string.Empty;

    /// <summary>Model time per reply, spent while holding a slot, before the first chunk.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>
    /// The context window when a request sends no <c>num_ctx</c>, as Ollama's default. A prompt longer than the window is
    /// cut the way Ollama cuts it, silently, keeping its end; <c>prompt_eval_count</c> then reports the window.
    /// </summary>
    public int DefaultContextLength { get; set; } = 2048;

    /// <summary>Characters per token of the server's "tokenizer" (4 is English-like; 1 is dense, like CJK text).</summary>
    public int CharactersPerToken { get; set; } = 4;

    /// <summary>When set, every request must carry HTTP basic authentication with this <c>user:password</c> (else 401).</summary>
    public string? RequiredBasicAuth { get; set; }

    /// <summary>How many requests may wait for a slot before the server answers 503.</summary>
    public int QueueLimit { get; set; } = 512;

    /// <summary>Chats being answered now (queued, generating or stuck).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Chats held by a hang or stall fault: they will never end on their own.</summary>
    public int Stuck => Volatile.Read(ref _stuck);

    /// <summary>Every request received, in arrival order.</summary>
    public IReadOnlyList<LoggedRequest> Requests => [.. _log];

    /// <summary>The <c>/api/chat</c> requests received.</summary>
    public IReadOnlyList<LoggedRequest> ChatRequests => [.. _log.Where(r => r.Path == "/api/chat")];

    /// <summary>Starts a server on a free loopback port.</summary>
    public static async Task<OllamaTestServer> StartAsync(int slots = 4, TimeSpan latency = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new OllamaTestServer(app, slots) { Latency = latency };
        server.Map(app);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        server.Endpoint = addresses.Addresses.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        return server;
    }

    /// <summary>Sets how many requests run at once (Ollama's OLLAMA_NUM_PARALLEL).</summary>
    public void SetSlots(int slots) => _slots = new SemaphoreSlim(slots, slots);

    /// <summary>Adds a model (or replaces its weights: a new digest, as <c>ollama pull</c> would).</summary>
    public void AddModel(string name, string? digest = null) => _models[name] = digest ?? Digest(name);

    /// <summary>Sets the context a model was trained for (<c>/api/show</c> reports it; larger <c>num_ctx</c> values are cut to it).</summary>
    public void SetContextLength(string name, int tokens) => _contextLengths[name] = tokens;

    /// <summary>The context a model was trained for: 131072 unless set.</summary>
    public int ContextLengthOf(string name) => _contextLengths.GetValueOrDefault(name, 131_072);

    /// <summary>The prompt tokens of a text by this server's count.</summary>
    public int TokensOf(string text) => (text.Length + CharactersPerToken - 1) / CharactersPerToken;

    /// <summary>Removes a model: chats with it get 404.</summary>
    public void RemoveModel(string name) => _models.TryRemove(name, out _);

    /// <summary>The digest the server reports for a model.</summary>
    public string? DigestOf(string name) => _models.GetValueOrDefault(name);

    /// <summary>Injects <paramref name="fault"/> into the next <paramref name="times"/> chats whose user message contains <paramref name="match"/> (any chat when null).</summary>
    public void InjectFault(ServerFault fault, int times = 1, string? match = null) => _faults.Add(fault, times, match);

    /// <summary>When set, the reply to a user message it gives one for (null: the derived reply).</summary>
    public Func<string, string?>? Replies { get; set; }

    /// <summary>When set, the <c>done_reason</c> of the reply to a user message it gives one for (null: <c>stop</c>).</summary>
    public Func<string, string?>? DoneReasons { get; set; }

    /// <summary>Forgets logged requests.</summary>
    public void ClearLog() => _log.Clear();

    /// <summary>The reply the server gives to a user message: deterministic, derived from the content.</summary>
    public static string ReplyFor(string userContent)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userContent)))[..8];
        var words = userContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Take(6);
        return $"Reply {hash}: {string.Join(' ', words)}";
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }

    private static string Digest(string name) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("weights:" + name)));

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (RequiredBasicAuth is { } required
                && context.Request.Headers.Authorization.ToString() != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(required)))
            {
                Log(context.Request.Path, null);
                await WriteError(context, 401, "unauthorized");
                return;
            }

            await next(context);
        });
        app.MapGet("/", () => { Log("/", null); return Results.Text("Ollama is running"); });
        app.MapGet("/api/version", () => { Log("/api/version", null); return Results.Json(new { version = "0.12.6" }); });
        app.MapGet("/api/tags", () =>
        {
            Log("/api/tags", null);
            var models = _models.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new
            {
                name = p.Key,
                model = p.Key,
                modified_at = "2026-11-01T00:00:00Z",
                size = 2_019_393_189L,
                digest = p.Value.Replace("sha256:", string.Empty, StringComparison.Ordinal),
                details = new { format = "gguf", family = "llama", parameter_size = "3.2B", quantization_level = "Q4_K_M" },
            });
            return Results.Json(new { models });
        });
        app.MapPost("/api/show", async (HttpContext context) =>
        {
            var body = await ReadBody(context);
            var model = Normalize(body?["model"]?.GetValue<string>() ?? body?["name"]?.GetValue<string>() ?? string.Empty);
            Log("/api/show", body);
            if (!_models.ContainsKey(model))
            {
                return Results.Json(new { error = $"model '{model}' not found" }, statusCode: 404);
            }

            var info = new JsonObject { ["general.architecture"] = "llama", ["llama.context_length"] = ContextLengthOf(model) };
            return Results.Text(
                new JsonObject
                {
                    ["modelfile"] = "FROM " + model,
                    ["parameters"] = string.Empty,
                    ["template"] = "{{ .Prompt }}",
                    ["details"] = new JsonObject { ["format"] = "gguf" },
                    ["model_info"] = info,
                }.ToJsonString(),
                "application/json");
        });
        app.MapPost("/api/chat", Chat);
    }

    private async Task Chat(HttpContext context)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            await AnswerChat(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task HoldForever(CancellationToken aborted)
    {
        Interlocked.Increment(ref _stuck);
        try
        {
            await Task.Delay(Timeout.Infinite, aborted).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        finally
        {
            Interlocked.Decrement(ref _stuck);
        }
    }

    private async Task AnswerChat(HttpContext context)
    {
        var body = await ReadBody(context);
        var logged = Log("/api/chat", body);
        var model = Normalize(logged.Model ?? string.Empty);
        var aborted = context.RequestAborted;
        if (!_models.ContainsKey(model))
        {
            await WriteError(context, 404, $"model \"{logged.Model}\" not found, try pulling it first");
            return;
        }

        var fault = _faults.Take(logged.UserContent);
        switch (fault)
        {
            case ServerFault.InternalError:
                await WriteError(context, 500, "llama runner process has terminated: exit status 2");
                return;
            case ServerFault.Busy:
                await WriteError(context, 503, "server busy, please try again.  maximum pending requests exceeded");
                return;
            case ServerFault.HtmlGatewayError or ServerFault.HtmlLoginPage:
                context.Response.StatusCode = fault == ServerFault.HtmlGatewayError ? 503 : 200;
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync(fault == ServerFault.HtmlGatewayError ? ProxyPages.GatewayError : ProxyPages.Login);
                return;
            case ServerFault.ModelNotFound:
                await WriteError(context, 404, $"model \"{logged.Model}\" not found, try pulling it first");
                return;
            case ServerFault.BadRequest:
                await WriteError(context, 400, "invalid options: bad value");
                return;
            case ServerFault.Hang:
                await HoldForever(aborted);
                return;
        }

        if (Interlocked.Increment(ref _waiting) > QueueLimit + _slots.CurrentCount)
        {
            Interlocked.Decrement(ref _waiting);
            await WriteError(context, 503, "server busy, please try again.  maximum pending requests exceeded");
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
        try
        {
            var started = DateTime.UtcNow;
            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency, aborted);
            }

            var (prompt, promptTokens) = Truncate(logged, model, body);
            var reply = Replies?.Invoke(prompt) ?? ReplyFor(prompt);
            var doneReason = DoneReasons?.Invoke(prompt) ?? "stop";
            var stream = body?["stream"]?.GetValue<bool>() ?? true;
            var created = started.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
            if (!stream)
            {
                await WriteJson(context, Final(logged.Model!, created, reply, reply, promptTokens, started, doneReason), flush: false);
                return;
            }

            context.Response.ContentType = "application/x-ndjson";
            var pieces = ChatFaults.Pieces(reply);
            for (var i = 0; i < pieces.Count; i++)
            {
                if (i == 2 && fault is ServerFault.ErrorMidStream)
                {
                    await WriteLine(context, new JsonObject { ["error"] = "an error was encountered while running the model: unexpected EOF" });
                    return;
                }

                if (i == 2 && fault is ServerFault.CutMidStream)
                {
                    context.Abort();
                    return;
                }

                if (i == 2 && fault is ServerFault.StallMidStream)
                {
                    await HoldForever(aborted);
                    return;
                }

                await WriteLine(context, new JsonObject
                {
                    ["model"] = logged.Model,
                    ["created_at"] = created,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = pieces[i] },
                    ["done"] = false,
                });
            }

            await WriteLine(context, Final(logged.Model!, created, string.Empty, reply, promptTokens, started, doneReason));
            if (fault is ServerFault.ErrorAfterFinish)
            {
                await WriteLine(context, new JsonObject { ["error"] = AfterFinishError });
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
            slots.Release();
        }
    }

    // Ollama cuts a prompt longer than the window without an error, keeping its end; the answer is to what it kept.
    private (string UserContent, int PromptTokens) Truncate(LoggedRequest request, string model, JsonObject? body)
    {
        var requested = body?["options"]?["num_ctx"] is JsonValue value && value.TryGetValue<int>(out var n) && n > 0 ? n : DefaultContextLength;
        var window = Math.Min(requested, ContextLengthOf(model));
        var allText = string.Concat(request.Messages.Select(m => m.Content));
        var tokens = TokensOf(allText);
        if (tokens <= window)
        {
            return (request.UserContent, tokens);
        }

        var keep = window * CharactersPerToken;
        var user = request.UserContent;
        return (user.Length <= keep ? user : user[^keep..], window);
    }

    private static JsonObject Final(string model, string created, string content, string reply, int promptTokens, DateTime started, string doneReason)
    {
        var total = (long)((DateTime.UtcNow - started).TotalMilliseconds * 1_000_000);
        return new JsonObject
        {
            ["model"] = model,
            ["created_at"] = created,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
            ["done_reason"] = doneReason,
            ["done"] = true,
            ["total_duration"] = total,
            ["load_duration"] = 1_000_000L,
            ["prompt_eval_count"] = promptTokens,
            ["prompt_eval_duration"] = 2_000_000L,
            ["eval_count"] = reply.Length / 4 + 1,
            ["eval_duration"] = Math.Max(0, total - 3_000_000),
        };
    }

    private LoggedRequest Log(string path, JsonObject? body)
    {
        var messages = new List<LoggedMessage>();
        if (body?["messages"] is JsonArray array)
        {
            foreach (var node in array.OfType<JsonObject>())
            {
                var images = node["images"] is JsonArray imgs ? imgs.Select(i => i!.GetValue<string>()).ToList() : [];
                messages.Add(new LoggedMessage(node["role"]?.GetValue<string>() ?? string.Empty, node["content"]?.GetValue<string>() ?? string.Empty, images));
            }
        }

        var logged = new LoggedRequest(path, body?["model"]?.GetValue<string>(), messages, body?["options"] as JsonObject, body?["format"]?.DeepClone(), body);
        _log.Enqueue(logged);
        return logged;
    }

    private static async Task<JsonObject?> ReadBody(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text) as JsonObject;
    }

    private static string Normalize(string model) => model.Contains(':', StringComparison.Ordinal) ? model : model + ":latest";

    private static async Task WriteError(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        await WriteJson(context, new JsonObject { ["error"] = message }, flush: false);
    }

    private static async Task WriteJson(HttpContext context, JsonObject body, bool flush)
    {
        context.Response.ContentType ??= "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
        if (flush)
        {
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    private static async Task WriteLine(HttpContext context, JsonObject line)
    {
        await context.Response.WriteAsync(line.ToJsonString() + "\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}

using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gleitzeit.Testing;

/// <summary>
/// A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions protocol as OpenAI, vLLM,
/// llama-server, LiteLLM, Azure OpenAI (v1 API) and GitHub Models do: <c>GET …/models</c>,
/// <c>GET …/models/{id}</c>, <c>POST …/chat/completions</c> (JSON or server-sent events) under any
/// prefix (<c>/v1</c>, <c>/openai/v1</c>, <c>/inference</c>) unless <see cref="RoutePrefix"/> pins one; and the Files
/// and Batch APIs (<c>…/files</c>, <c>…/batches</c>) on a batch clock the test controls (<see cref="BatchTimeScale"/>).
/// Replies are <see cref="ReplyFor"/> of the last user message, whatever <c>response_format</c> asks;
/// every request is logged (never a key); keys, rate limits, latency, parallel slots with a FIFO queue
/// (503 past its limit) and faults are configurable.
/// </summary>
public sealed partial class OpenAiTestServer : IAsyncDisposable
{
    private const string ChatSuffix = "/chat/completions";
    private const string ModelsSuffix = "/models";
    private const string ModelInfix = "/models/";
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<LoggedRequest> _log = new();
    private int _inFlight;
    private int _peakInFlight;
    private readonly ConcurrentDictionary<string, string> _models = new(StringComparer.Ordinal);
    private readonly ChatFaults _faults = new();
    private SemaphoreSlim _slots;
    private OpenAiRateLimiter? _limiter;
    private int _waiting;
    private long _ids;

    private OpenAiTestServer(WebApplication app, int slots)
    {
        _app = app;
        _slots = new SemaphoreSlim(slots, slots);
        _models["gpt-4o-mini"] = "system";
        _models["openai/gpt-4o-mini"] = "openai";
        _models["llama3.2"] = "llamacpp";
    }

    /// <summary>The server's base address, e.g. <c>http://127.0.0.1:41234</c> (clients add <c>/v1</c> or another prefix).</summary>
    public string Endpoint { get; private set; } = string.Empty;

    /// <summary>Model time per reply, spent while holding a slot, before the first chunk.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>
    /// When set, the answer's content and <c>finish_reason</c> for a user message it gives one for (null: the derived
    /// reply, cut at <c>max_tokens</c>): <c>("", "content_filter")</c>, <c>("half a", "length")</c>, an empty content.
    /// </summary>
    public Func<string, (string Content, string FinishReason)?>? Endings { get; set; }

    /// <summary>When set, a 200 body sent as it stands, piece by piece (each flushed), with its Content-Type, for a user message it gives one for.</summary>
    public Func<string, (string ContentType, IReadOnlyList<string> Pieces)?>? RawReplies { get; set; }

    /// <summary>How long to wait between <see cref="RawReplies"/> pieces, so that each reaches the client in a read of its own.</summary>
    public TimeSpan RawPiecePause { get; set; }

    /// <summary>How <see cref="RawReplies"/> pieces become bytes: Latin-1 sends what is not UTF-8 (a lone 0xC3 for "Ã").</summary>
    public System.Text.Encoding RawPieceEncoding { get; set; } = System.Text.Encoding.UTF8;

    /// <summary>How many requests may wait for a slot before the server answers 503.</summary>
    public int QueueLimit { get; set; } = 512;

    /// <summary>
    /// Whether a streamed answer's headers and first chunk go out as soon as a slot takes the request, the rest after
    /// <see cref="Latency"/> (as vLLM streams); false (default): nothing until the latency has passed (a queue, a buffering proxy).
    /// </summary>
    public bool StreamsBeforeLatency { get; set; }

    /// <summary>The only route prefix served (e.g. <c>/v1</c>, <c>/openai/v1</c>, <c>/inference</c>); others get 404. Null (default): any prefix.</summary>
    public string? RoutePrefix { get; set; }

    /// <summary>The key every request must carry (in <see cref="AuthStyle"/>), else 401. Null (default): no key needed.</summary>
    public string? RequiredKey { get; set; }

    /// <summary>Which header carries the key. Default: <see cref="OpenAiAuthStyle.Bearer"/>.</summary>
    public OpenAiAuthStyle AuthStyle { get; set; }

    /// <summary>A key that is recognised but refused with 403, as GitHub Models refuses a token without <c>models: read</c>.</summary>
    public string? ForbiddenKey { get; set; }

    /// <summary>Chat requests allowed per minute (token bucket refilled at this/60 per second); null (default): unlimited. Setting it resets the limits.</summary>
    public int? RequestsPerMinute
    {
        get;
        set { ArgumentOutOfRangeException.ThrowIfLessThan(value ?? 1, 1); field = value; ResetLimits(); }
    }

    /// <summary>The request bucket's capacity: how many requests may go at once. Null (default): <see cref="RequestsPerMinute"/>, as OpenAI allows.</summary>
    public int? Burst
    {
        get;
        set { ArgumentOutOfRangeException.ThrowIfLessThan(value ?? 1, 1); field = value; ResetLimits(); }
    }

    /// <summary>Prompt plus completion tokens allowed per minute (bucket capacity = this); null (default): unlimited.</summary>
    public int? TokensPerMinute
    {
        get;
        set { ArgumentOutOfRangeException.ThrowIfLessThan(value ?? 1, 1); field = value; ResetLimits(); }
    }

    /// <summary>Chat requests allowed per 24 h from the first one (GitHub Models' free tier): past it, 429 with a <c>Retry-After</c> of hours.</summary>
    public int? RequestsPerDay
    {
        get;
        set { ArgumentOutOfRangeException.ThrowIfLessThan(value ?? 1, 1); field = value; ResetLimits(); }
    }

    /// <summary>Send <c>Retry-After</c> as an HTTP date instead of seconds.</summary>
    public bool RetryAfterAsHttpDate { get; set; }

    /// <summary>The wait a <see cref="ServerFault.RateLimited"/> answer asks for. Default: 1 s.</summary>
    public TimeSpan FaultRetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest prompt (in <see cref="PromptTokens"/>) accepted; larger ones get 413 as on GitHub Models. Null (default): no limit.</summary>
    public int? MaxPromptTokens { get; set; }

    /// <summary>The model's window (prompt plus <c>max_tokens</c>, in <see cref="PromptTokens"/>); larger requests get OpenAI's 400 <c>context_length_exceeded</c>. Null (default): no limit.</summary>
    public int? ContextLength { get; set; }

    /// <summary>Every request received, in arrival order, including refused ones.</summary>
    public IReadOnlyList<LoggedRequest> Requests => [.. _log];

    /// <summary>Whether <c>…/models</c> is served; false answers it 404, as services without a model list (Azure deployment routes) do.</summary>
    public bool ListsModels { get; set; } = true;

    /// <summary>The most chat completions that were being answered at one moment.</summary>
    public int PeakInFlight => Volatile.Read(ref _peakInFlight);

    /// <summary>The <c>…/chat/completions</c> requests received, including refused ones.</summary>
    public IReadOnlyList<LoggedRequest> ChatRequests => [.. _log.Where(r => r.Path.EndsWith(ChatSuffix, StringComparison.Ordinal))];

    /// <summary>Starts a server on a free loopback port.</summary>
    public static async Task<OpenAiTestServer> StartAsync(int slots = 4, TimeSpan latency = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);

            // Big images are the client's business; MaxPromptTokens is this server's size limit.
            o.Limits.MaxRequestBodySize = null;
        });

        // Kestrel's default, stated: without TCP_NODELAY every small streamed chunk waits ~40 ms for delayed ACKs.
        builder.WebHost.UseSockets(o => o.NoDelay = true);
        var app = builder.Build();
        var server = new OpenAiTestServer(app, slots) { Latency = latency };
        app.Run(server.Handle);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        server.Endpoint = addresses.Addresses.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        return server;
    }

    /// <summary>Sets how many requests run at once (vLLM's batch, llama-server's <c>--parallel</c>).</summary>
    public void SetSlots(int slots) => _slots = new SemaphoreSlim(slots, slots);

    /// <summary>Adds a model to <c>/models</c>; chats may name it.</summary>
    public void AddModel(string id, string ownedBy = "system") => _models[id] = ownedBy;

    /// <summary>Removes a model: chats with it get 404 <c>model_not_found</c>.</summary>
    public void RemoveModel(string id) => _models.TryRemove(id, out _);

    /// <summary>Injects <paramref name="fault"/> into the next <paramref name="times"/> chats whose user message contains <paramref name="match"/> (any chat when null).</summary>
    public void InjectFault(ServerFault fault, int times = 1, string? match = null) => _faults.Add(fault, times, match);

    /// <summary>Forgets logged requests.</summary>
    public void ClearLog() => _log.Clear();

    /// <summary>Refills every rate-limit bucket and restarts the daily window.</summary>
    public void ResetLimits() => _limiter = RequestsPerMinute is null && TokensPerMinute is null && RequestsPerDay is null
        ? null
        : new OpenAiRateLimiter(RequestsPerMinute, Burst, TokensPerMinute, RequestsPerDay);

    /// <summary>The most chat requests (refused ones included) that arrived within any span of <paramref name="window"/>.</summary>
    public int MaxRequestsInAnyWindow(TimeSpan window)
    {
        var times = ChatRequests.Select(r => r.ReceivedAt).Order().ToArray();
        var max = 0;
        for (int first = 0, last = 0; last < times.Length; last++)
        {
            while (first < last && times[last] - times[first] >= window)
            {
                first++;
            }

            max = Math.Max(max, last - first + 1);
        }

        return max;
    }

    /// <summary>The reply to a user message: the same as <see cref="OllamaTestServer.ReplyFor"/>, so tests compare both providers alike.</summary>
    public static string ReplyFor(string userContent) => OllamaTestServer.ReplyFor(userContent);

    /// <summary>
    /// The <c>prompt_tokens</c> the server reports, a stand-in for a tokenizer: all messages' text
    /// length / 4 + 1, plus 85 per image (OpenAI's low-detail image cost).
    /// </summary>
    public static int PromptTokens(IEnumerable<LoggedMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (chars, images) = (0, 0);
        foreach (var message in messages)
        {
            chars += message.Content.Length;
            images += message.Images.Count;
        }

        return chars / 4 + 1 + 85 * images;
    }

    /// <summary>The <c>completion_tokens</c> the server reports for a reply: its length / 4 + 1.</summary>
    public static int CompletionTokens(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return reply.Length / 4 + 1;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}

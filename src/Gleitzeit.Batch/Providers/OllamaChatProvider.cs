using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OllamaSharp;
using OllamaSharp.Models.Chat;
using OllamaSharp.Models.Exceptions;

namespace Gleitzeit.Batch.Providers;

/// <summary>
/// Ollama: streamed <c>/api/chat</c> through OllamaSharp; the model list and model details with plain requests. The
/// HttpClient has no timeout of its own (its 100 s default would cover the server's queue and model load); our limits
/// apply instead: one for connecting and for every request that is not a generation, and for a generation one for the
/// first chunk, one for silence between chunks and one for the whole. Credentials in the address become HTTP basic
/// authentication and never appear in <see cref="Endpoint"/>.
/// </summary>
public sealed class OllamaChatProvider : IChatProvider
{
    private readonly string? _secret;
    private readonly HttpClient _http;
    private readonly OllamaApiClient _client;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeProvider _time;

    /// <param name="endpoint">The server's base address, e.g. <c>http://localhost:11434</c>; may carry <c>user:password@</c>.</param>
    /// <param name="requestTimeout">Limit on connecting and on every request that is not a generation.</param>
    /// <param name="time">The clock our limits run on (tests pass their own).</param>
    public OllamaChatProvider(string endpoint, TimeSpan? requestTimeout = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _requestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30);
        _time = time ?? TimeProvider.System;
        Endpoint = Secrets.Redact(endpoint.TrimEnd('/'));
        var (address, userInfo) = Secrets.SplitCredentials(endpoint.TrimEnd('/'));
        var sockets = new SocketsHttpHandler
        {
            ConnectTimeout = _requestTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = int.MaxValue,
            AllowAutoRedirect = false,

            // No trace context (traceparent) goes to the model's server: it names nothing the server needs, and
            // writing it cost allocations on every call.
            ActivityHeadersPropagator = null,
        };
        _secret = userInfo?.Split(':', 2) is [_, var password] ? password : userInfo;
        _http = new HttpClient(new OllamaErrorHandler(Endpoint, sockets, _secret))
        {
            BaseAddress = new Uri(address.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/') + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (userInfo is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(userInfo)));
        }

        // Source-generated JSON metadata: no reflection, so this works ahead-of-time compiled.
        _client = new OllamaApiClient(_http, string.Empty, OllamaWireJsonContext.Default);
    }

    public string Endpoint { get; }

    /// <summary>Null: Ollama keys are pinned by the model's digest, whichever host serves it.</summary>
    public string? ServiceIdentity => null;

    public bool TruncatesSilently => true;

    public int Servers => 1;

    public string NormalizeModel(string model) => ModelNames.Normalize(model);

    public async Task<ModelInfo> GetModelInfoAsync(string model, CancellationToken cancellationToken)
    {
        var wanted = ModelNames.Normalize(model);
        using var tags = await GetJsonAsync(HttpMethod.Get, "api/tags", null, "the model list", cancellationToken);
        string? digest = null;
        var found = false;
        if (tags.RootElement.TryGetProperty("models", out var models) && models.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in models.EnumerateArray())
            {
                var name = entry.TryGetProperty("name", out var n) ? n.GetString() : entry.TryGetProperty("model", out var m) ? m.GetString() : null;
                if (name is not null && ModelNames.Normalize(name) == wanted)
                {
                    found = true;
                    digest = entry.TryGetProperty("digest", out var d) && d.ValueKind == JsonValueKind.String && d.GetString() is { Length: > 0 } value ? value : null;
                    break;
                }
            }
        }

        if (!found)
        {
            throw ChatProviderException.ModelNotFound(model, Endpoint);
        }

        using var show = await GetJsonAsync(HttpMethod.Post, "api/show", new JsonObject { ["model"] = wanted }, $"the details of '{wanted}'", cancellationToken);
        return new ModelInfo(digest, ContextLengthOf(show.RootElement));
    }

    public async Task<ChatCompletion> CompleteAsync(ChatCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var request = new ChatRequest
        {
            Model = call.Model,
            Stream = true,
            Messages = [.. call.Messages.Select(m => new Message(
                new ChatRole(m.Role),
                m.Content,
                m.Images.Count == 0 ? null! : [.. m.Images.Select(i => Convert.ToBase64String(i.Bytes.Span))]))],
            Options = OllamaOptions.ToRequestOptions(call.Options),
            Format = call.Format switch
            {
                null => null,
                JsonValue value when value.TryGetValue<string>(out var formatName) => formatName,
                var schema => schema.Deserialize(OllamaWireJsonContext.Default.JsonElement),
            },
        };

        using var limits = Limit(call.Timeouts.FirstChunk, cancellationToken, out var registration);
        using var _ = registration;
        var waitingFor = $"no response within {Seconds(call.Timeouts.FirstChunk)} (first-chunk limit)";
        var capture = new StreamErrorCapture(limits.Token);
        StreamErrorCapture.Current = capture;
        var text = new StringBuilder();
        ChatDoneResponseStream? done = null;
        var thinking = new StringBuilder();
        long? generationStarted = null;
        try
        {
            await foreach (var chunk in _client.ChatAsync(request, limits.Token))
            {
                if (chunk is null)
                {
                    continue;
                }

                if (generationStarted is null)
                {
                    generationStarted = _time.GetTimestamp();
                    call.Accepted?.Invoke();
                }

                var left = call.Timeouts.Generation - _time.GetElapsedTime(generationStarted.Value);
                if (left <= TimeSpan.Zero)
                {
                    throw ChatProviderException.Timeout($"generation exceeded timeout_per_file ({Seconds(call.Timeouts.Generation)})");
                }

                if (left < call.Timeouts.Idle)
                {
                    limits.CancelAfter(left);
                    waitingFor = $"generation exceeded timeout_per_file ({Seconds(call.Timeouts.Generation)})";
                }
                else
                {
                    limits.CancelAfter(call.Timeouts.Idle);
                    waitingFor = $"stream stalled: no data for {Seconds(call.Timeouts.Idle)}";
                }

                text.Append(chunk.Message?.Content);
                thinking.Append(chunk.Message?.Thinking);
                if (chunk is ChatDoneResponseStream { Done: true } final)
                {
                    done = final;
                }
            }
        }
        catch (ChatProviderException)
        {
            throw;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested && limits.IsCancellationRequested)
        {
            throw ChatProviderException.Timeout(waitingFor);
        }
        catch (OllamaException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw ChatProviderException.Rejected($"request rejected: {ex.Message}");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is IOException or HttpRequestException or ObjectDisposedException or JsonException)
        {
            throw ChatProviderException.ServerError($"stream broke off: {ex.Message}", ex);
        }
        finally
        {
            StreamErrorCapture.Current = null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (capture.Error is { } error)
        {
            throw ChatProviderException.ServerError($"server error in the middle of the stream: {Secrets.Redact(error, _secret)}", serverAnswered: true);
        }

        if (done is null)
        {
            throw ChatProviderException.ServerError("stream ended before its final chunk (connection cut short)");
        }

        var (answer, reasoning) = AnswerCheck.Finish(text.ToString(), thinking.ToString(), AnswerCheck.FromOllama(done.DoneReason), done.EvalCount, "num_predict", call.Rules);
        return new ChatCompletion(
            answer,
            new TokenCounts { Prompt = done.PromptEvalCount, Completion = done.EvalCount },
            new ModelDurations { Total = done.TotalDuration, Load = done.LoadDuration, PromptEval = done.PromptEvalDuration, Eval = done.EvalDuration })
        {
            Reasoning = reasoning,
            Warning = ChatCompletion.ErrorAfterFinish(capture.ErrorAfterDone, _secret),
        };
    }

    public void Dispose() => _http.Dispose();

    // A limit on our clock that the caller's token also ends (a linked source would run its timer on the system clock).
    private CancellationTokenSource Limit(TimeSpan after, CancellationToken cancellationToken, out CancellationTokenRegistration registration)
    {
        var limit = new CancellationTokenSource(after, _time);
        registration = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), limit);
        return limit;
    }

    // Ollama's /api/show reports the trained context as model_info["<architecture>.context_length"].
    private static int? ContextLengthOf(JsonElement show)
    {
        if (!show.TryGetProperty("model_info", out var info) || info.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in info.EnumerateObject())
        {
            if (property.Name.EndsWith(".context_length", StringComparison.Ordinal) && property.Value.TryGetInt64(out var length) && length > 0)
            {
                return (int)Math.Min(length, int.MaxValue);
            }
        }

        return null;
    }

    // A plain request, bounded as a whole (headers and body) by the request timeout.
    private async Task<JsonDocument> GetJsonAsync(HttpMethod method, string path, JsonObject? body, string what, CancellationToken cancellationToken)
    {
        using var limit = Limit(_requestTimeout, cancellationToken, out var registration);
        using var _ = registration;
        try
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, limit.Token);
            var bytes = await response.Content.ReadAsByteArrayAsync(limit.Token);
            return JsonDocument.Parse(bytes);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw ChatProviderException.Timeout($"no answer from {Endpoint} for {what} within {Seconds(_requestTimeout)} (request_timeout)");
        }
        catch (JsonException ex)
        {
            throw ChatProviderException.ServerError($"{Endpoint} answered {what} with something that is not JSON ({ex.Message})", ex, serverAnswered: true);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw ChatProviderException.ServerError($"{what} from {Endpoint} broke off: {ex.Message}", ex);
        }
    }

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.###} s";
}

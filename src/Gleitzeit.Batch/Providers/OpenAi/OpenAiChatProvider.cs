using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;

namespace Gleitzeit.Batch.Providers.OpenAi;

/// <summary>
/// Any OpenAI-compatible <c>/chat/completions</c> server (OpenAI, Azure OpenAI, GitHub Models, vLLM, llama.cpp's
/// server, LiteLLM) through the official OpenAI .NET library, streamed. The library's own retries and timeouts are
/// off: the engine's retry pipeline is the one retry loop and our limits apply (first chunk, silence, generation). A
/// stream that ends without a finish reason (the library's answer to an error event mid-stream) is a failed call. A
/// refused key stops every further request.
/// </summary>
public sealed class OpenAiChatProvider : IChatProvider
{
    private readonly OpenAiServiceOptions _options;
    private readonly HttpClient _http;
    private readonly OpenAIClient? _client;
    private readonly HeaderCapture _headers = new();
    private int _keyRefused;
    private OpenAiBulkWire? _bulkWire;

    public OpenAiChatProvider(OpenAiServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        Endpoint = Secrets.Redact(options.Address.ToString().TrimEnd('/'));
        ServiceIdentity = $"{options.Preset.Kind} {Normalize(options.Address)}";
        var sockets = new SocketsHttpHandler
        {
            ConnectTimeout = options.RequestTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = int.MaxValue,
            AllowAutoRedirect = false,

            // No trace context (traceparent) goes to the model's server: it names nothing the server needs, and
            // writing it cost allocations on every call.
            ActivityHeadersPropagator = null,
        };
        _http = new HttpClient(sockets) { Timeout = Timeout.InfiniteTimeSpan };
        if (options.ApiKey is { Length: > 0 } key)
        {
            var clientOptions = new OpenAIClientOptions
            {
                Endpoint = options.Address,
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                NetworkTimeout = Timeout.InfiniteTimeSpan,
                Transport = new HttpClientPipelineTransport(_http),
            };
            clientOptions.AddPolicy(_headers, PipelinePosition.PerTry);
            if (options.Preset.KeyInApiKeyHeader)
            {
                clientOptions.AddPolicy(new ApiKeyHeaderPolicy(key), PipelinePosition.BeforeTransport);
            }

            _client = new OpenAIClient(new ApiKeyCredential(key), clientOptions);
        }
    }

    public string Endpoint { get; }

    public string? ServiceIdentity { get; }

    public bool TruncatesSilently => false;

    public int Servers => 1;

    /// <summary>Hosted services name no digest: the model's identity is the service and the model id, which keys carry.</summary>
    public async Task<ModelInfo> GetModelInfoAsync(string model, CancellationToken cancellationToken)
    {
        if (_client is null || _options.KeyProblem is not null || Volatile.Read(ref _keyRefused) != 0)
        {
            // The first call reports the missing, unusable or refused key without a request.
            return new ModelInfo(null, null);
        }

        await ModelListProbe.CheckAsync(_http, _options, Endpoint, Refuse, cancellationToken);
        return new ModelInfo(null, null);
    }

    private ChatProviderException Refuse(int status, string body)
    {
        Volatile.Write(ref _keyRefused, status);
        return ChatProviderException.KeyRefused(Endpoint, _options.KeyVariable, status, ErrorBody(body).Message is { Length: > 0 } text ? Secrets.Redact(text, _options.ApiKey) : null);
    }

    public async Task<ChatCompletion> CompleteAsync(ChatCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (_options.KeyProblem is { } keyProblem)
        {
            throw ApiKeys.Refused(keyProblem);
        }

        if (_client is null)
        {
            throw ChatProviderException.MissingKey(_options.KeyVariable ?? "(none)", _options.Preset.Kind);
        }

        if (Volatile.Read(ref _keyRefused) != 0)
        {
            throw ChatProviderException.KeyRefused(Endpoint, _options.KeyVariable, _keyRefused);
        }

        var messages = OpenAiRequest.Messages(call.Messages);
        var options = OpenAiRequest.Options(call.Options, call.Format);
        using var limits = new CancellationTokenSource(call.Timeouts.FirstChunk, _options.Time);
        using var registration = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), limits);
        // Which limit the timer stands for now; its message is written only when it fires (not for every chunk).
        var waitingFor = Waiting.FirstChunk;
        var captured = _headers.Begin();
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        string? model = null;
        string? fingerprint = null;
        long? started = null;
        try
        {
            await foreach (var update in _client.GetChatClient(call.Model).CompleteChatStreamingAsync(messages, options, limits.Token))
            {
                if (started is null)
                {
                    started = _options.Time.GetTimestamp();
                    call.Accepted?.Invoke();
                }

                var left = call.Timeouts.Generation - _options.Time.GetElapsedTime(started.Value);
                if (left <= TimeSpan.Zero)
                {
                    throw ChatProviderException.Timeout($"generation exceeded timeout_per_file ({Seconds(call.Timeouts.Generation)})");
                }

                limits.CancelAfter(left < call.Timeouts.Idle ? left : call.Timeouts.Idle);
                waitingFor = left < call.Timeouts.Idle ? Waiting.Generation : Waiting.Idle;
                foreach (var part in update.ContentUpdate)
                {
                    text.Append(part.Text);
                }

                finish ??= update.FinishReason;
                usage ??= update.Usage;
                model ??= update.Model;
                fingerprint ??= update.SystemFingerprint;
            }
        }
        catch (ChatProviderException)
        {
            throw;
        }
        catch (ClientResultException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Classify(ex, call.Model);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested && limits.IsCancellationRequested)
        {
            throw ChatProviderException.Timeout(waitingFor switch
            {
                Waiting.FirstChunk => $"no response within {Seconds(call.Timeouts.FirstChunk)} (first-chunk limit)",
                Waiting.Generation => $"generation exceeded timeout_per_file ({Seconds(call.Timeouts.Generation)})",
                _ => $"stream stalled: no data for {Seconds(call.Timeouts.Idle)}",
            });
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is IOException or HttpRequestException or JsonException or ObjectDisposedException or ArgumentOutOfRangeException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw captured.Stream.StreamError is { } error
                ? ChatProviderException.ServerError($"server error in the middle of the stream: {Secrets.Redact(error, _options.ApiKey)}", ex, serverAnswered: true)
                : ChatProviderException.ServerError($"stream broke off: {ex.Message}", ex);
        }
        finally
        {
            _headers.End();
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (finish is null)
        {
            throw captured.Stream.Html is { } page
                ? new ChatProviderException(
                    $"{Endpoint} answered with {page} instead of an OpenAI-compatible event stream (a proxy's login or error page?); nothing else is sent: point the endpoint at the API itself, or let the proxy pass its requests",
                    DiagnosticCodes.RequestRejected,
                    isTransient: false,
                    stopsBatch: true,
                    serverAnswered: true)
                : captured.Stream.Invalid is { } invalid
                ? ChatProviderException.Rejected($"the server ended the answer with finish_reason {invalid}, which is not an OpenAI-compatible value; it is not kept")
                : captured.Stream.Aborted is { } aborted
                ? ChatProviderException.ServerError($"the server gave up on the answer (finish_reason: {aborted})", serverAnswered: true)
                : captured.Stream.StreamError is { } error
                    ? ChatProviderException.ServerError($"server error in the middle of the stream: {Secrets.Redact(error, _options.ApiKey)}", serverAnswered: true)
                    : ChatProviderException.ServerError("stream ended without a finish reason (an error event in the middle of the stream, or the connection closed)", serverAnswered: true);
        }

        var end = finish switch
        {
            ChatFinishReason.Length => AnswerEnd.CutAtLimit,
            ChatFinishReason.ContentFilter => AnswerEnd.Filtered,
            ChatFinishReason.ToolCalls or ChatFinishReason.FunctionCall => AnswerEnd.ToolCall,
            _ => AnswerEnd.Finished,
        };
        var (answer, reasoning) = AnswerCheck.Finish(text.ToString(), captured.Stream.Reasoning.ToString(), end, usage?.OutputTokenCount ?? 0, "max_tokens", call.Rules);
        return new ChatCompletion(
            answer,
            new TokenCounts { Prompt = usage?.InputTokenCount ?? 0, Completion = usage?.OutputTokenCount ?? 0 },
            new ModelDurations())
        {
            ServedBy = model is null && fingerprint is null ? null : new ServedBy { Model = model, SystemFingerprint = fingerprint },
            Limits = captured.Limits,
            Reasoning = reasoning,
            Warning = ChatCompletion.ErrorAfterFinish(captured.Stream.ErrorAfterFinish, _options.ApiKey),
        };
    }

    public string NormalizeModel(string model) => model.Trim();

    /// <summary>Whether the service takes Batch API jobs (OpenAI, Azure OpenAI); others take live calls only.</summary>
    internal bool TakesBulk => _options.Preset.Kind is "openai" or "azure-openai";

    /// <summary>The Files and Batch APIs of this service, with its key.</summary>
    /// <exception cref="ChatProviderException">There is no usable key.</exception>
    internal OpenAiBatchApi BatchApi()
    {
        if (_options.KeyProblem is { } keyProblem)
        {
            throw ApiKeys.Refused(keyProblem);
        }

        if (_client is null)
        {
            throw ChatProviderException.MissingKey(_options.KeyVariable ?? "(none)", _options.Preset.Kind);
        }

        return new OpenAiBatchApi(_http, _options, Endpoint);
    }

    /// <summary>A service's text with the key (and any URL credentials) taken out.</summary>
    internal string Redact(string text) => Secrets.Redact(text, _options.ApiKey);

    /// <summary>Writes request bodies and reads answers as the Batch API carries them.</summary>
    internal OpenAiBulkWire BulkWire => _bulkWire ??= new OpenAiBulkWire(_options.Address);

    public void Dispose() => _http.Dispose();

    /// <summary>The service's identity in cache keys: scheme, host, port and path, lower-cased where case does not matter, no credentials or query.</summary>
    public static string Normalize(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var port = address.IsDefaultPort ? string.Empty : ":" + address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"{address.Scheme.ToLowerInvariant()}://{address.Host.ToLowerInvariant()}{port}{address.AbsolutePath.TrimEnd('/')}";
    }

    private ChatProviderException Classify(ClientResultException ex, string model)
    {
        var response = ex.GetRawResponse();
        var status = ex.Status;
        if (status == 0)
        {
            return ex.InnerException is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } connect
                ? ChatProviderException.Unreachable(Endpoint, connect, "point --endpoint / GleitzeitEndpoint at a reachable server")
                : ChatProviderException.ServerError($"connection failed: {ex.InnerException?.Message ?? ex.Message}", ex);
        }

        var (code, body) = ErrorBody(response);
        var message = Secrets.Redact(body, _options.ApiKey);
        string? Header(string name) => response is not null && response.Headers.TryGetValue(name, out var value) ? value : null;
        switch (status)
        {
            case >= 300 and < 400:
                return Redirects.Refused(Endpoint, status, Header("Location"));
            case 401 or 403:
                Volatile.Write(ref _keyRefused, status);
                return ChatProviderException.KeyRefused(Endpoint, _options.KeyVariable, status, message.Length > 0 ? message : null);
            case 404 when code is "model_not_found" || message.Contains("model", StringComparison.OrdinalIgnoreCase):
                return ChatProviderException.ModelNotFound(ModelOf(message) ?? model, Endpoint, message, "check the model id (for Azure OpenAI, the deployment name) or choose another model");
            case 404:
                return ChatProviderException.NotAnApi(Endpoint, status, "an OpenAI-compatible server's base address (for example https://api.openai.com/v1, or http://host:8000/v1 for vLLM)");
            case 429 when code is "insufficient_quota":
                // No credit: waiting does not help, and every further request is refused the same way.
                return new ChatProviderException($"out of credit (429 insufficient_quota): {message}; check the account's plan and billing, then resume", DiagnosticCodes.OutOfCredit, isTransient: false, stopsBatch: true, serverAnswered: true);
            case 429:
                return new ChatProviderException($"rate limited (429): {message}", DiagnosticCodes.RateLimited, isTransient: true, serverAnswered: true, isBusy: true)
                {
                    RetryAfter = RateLimitHeaders.RetryAfter(Header, _options.Time.GetUtcNow()),
                    Condition = "rate limited (429)",
                };
            case 413:
                return ChatProviderException.Rejected($"request too large for the service (413): {message}; the service limits a request's size (GitHub Models' free tier to a few thousand tokens)");
            case 400 when code is "context_length_exceeded" or "exceed_context_size_error":
                return new ChatProviderException($"prompt too long for the model's context window: {message}", DiagnosticCodes.PromptTooLong, isTransient: false, serverAnswered: true)
                {
                    ContextLimit = ContextWindows.Stated(message),
                };
            case >= 500 or 408:
                var busy = status == 503 && !ErrorText.LooksLikeHtml(response?.Content?.ToString() ?? string.Empty);
                return new ChatProviderException($"server error {status}: {message}", DiagnosticCodes.ServerError, isTransient: true, serverAnswered: true, isBusy: busy)
                {
                    RetryAfter = RateLimitHeaders.RetryAfter(Header, _options.Time.GetUtcNow()),
                    Condition = busy ? "server busy (503)" : $"server error {status}",
                };
            default:
                return ChatProviderException.Rejected($"request rejected with {status}: {message}");
        }
    }

    private static (string? Code, string Message) ErrorBody(PipelineResponse? response) => ErrorBody(response?.Content?.ToString() ?? string.Empty);

    /// <summary>An OpenAI-shaped error body's code and message (<c>{"error": {"code", "message"}}</c> or <c>{"error": "…"}</c>); otherwise the body described.</summary>
    internal static (string? Code, string Message) ErrorBody(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.String)
                {
                    return (null, error.GetString() ?? body);
                }

                var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()
                    : error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "exceed_context_size_error" ? t.GetString() : null;
                var text = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                return (code, text ?? body);
            }
        }
        catch (JsonException)
        {
        }

        return (null, ErrorText.Describe(body));
    }

    private static string? ModelOf(string message)
    {
        var start = message.IndexOfAny(['\'', '"', '`']);
        var end = start < 0 ? -1 : message.IndexOf(message[start], start + 1);
        return end > start + 1 ? message[(start + 1)..end] : null;
    }

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.###} s";

    private enum Waiting
    {
        FirstChunk,
        Generation,
        Idle,
    }

    /// <summary>Azure OpenAI takes its key in an <c>api-key</c> header.</summary>
    private sealed class ApiKeyHeaderPolicy(string key) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Move(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Move(message);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }

        private void Move(PipelineMessage message)
        {
            message.Request.Headers.Remove("Authorization");
            message.Request.Headers.Set("api-key", key);
        }
    }
}

/// <summary>How to reach one OpenAI-compatible service.</summary>
public sealed record OpenAiServiceOptions
{
    public required ProviderPreset Preset { get; init; }

    /// <summary>The base address requests go to, e.g. <c>https://api.openai.com/v1</c>.</summary>
    public required Uri Address { get; init; }

    /// <summary>The API key, read from <see cref="KeyVariable"/>; null when that is not set (the first call then stops the batch).</summary>
    public string? ApiKey { get; init; }

    /// <summary>Why the variable's key cannot be sent (control or non-ASCII characters); null when it can.</summary>
    public string? KeyProblem { get; init; }

    /// <summary>The environment variable the key comes from, for messages.</summary>
    public string? KeyVariable { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

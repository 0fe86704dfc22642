namespace Gleitzeit.Batch.Providers;

/// <summary>
/// A failed model call, classified: whether retrying may help, whether the whole batch must stop, whether the server
/// answered at all (a timeout or a refused connection is not an answer), whether it said it is busy, and its GZ code.
/// </summary>
public sealed class ChatProviderException : Exception
{
    public ChatProviderException(string message, string code, bool isTransient, bool stopsBatch = false, Exception? innerException = null, bool serverAnswered = false, bool isBusy = false)
        : base(message, innerException)
    {
        Code = code;
        IsTransient = isTransient;
        StopsBatch = stopsBatch;
        ServerAnswered = serverAnswered;
        IsBusy = isBusy;
    }

    public ChatProviderException()
        : this("model call failed", DiagnosticCodes.ServerError, isTransient: false)
    {
    }

    public ChatProviderException(string message)
        : this(message, DiagnosticCodes.ServerError, isTransient: false)
    {
    }

    public ChatProviderException(string message, Exception innerException)
        : this(message, DiagnosticCodes.ServerError, isTransient: false, stopsBatch: false, innerException)
    {
    }

    /// <summary>GZ diagnostic code.</summary>
    public string Code { get; }

    /// <summary>Retrying may succeed (connection refused/reset, timeouts, 5xx, busy, a broken stream).</summary>
    public bool IsTransient { get; }

    /// <summary>Every other item would fail the same way (model missing, server unreachable): stop at once.</summary>
    public bool StopsBatch { get; }

    /// <summary>The server answered the request (with an error); false for timeouts, refused or cut connections.</summary>
    public bool ServerAnswered { get; }

    /// <summary>The server said it is busy (503 "server busy", 429): wait longer and send fewer at once.</summary>
    public bool IsBusy { get; }

    /// <summary>How long the server asked the client to wait, when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>For a prompt too long for the model (GZ3007): the window the server said it has, when it said so.</summary>
    public int? ContextLimit { get; init; }

    /// <summary>The service has no such resource (404 on a batch or file it made): it is gone, not busy.</summary>
    public bool IsGone { get; init; }

    /// <summary>The condition without per-item detail, for one retry line per condition instead of one per item.</summary>
    public string Condition { get; init; } = string.Empty;

    // A proxy in the way (from HTTP_PROXY, HTTPS_PROXY, ALL_PROXY) is named, not the model server behind it.
    internal static ChatProviderException Unreachable(string endpoint, Exception inner, string hint = "start it with `ollama serve`, or point --endpoint / OLLAMA_HOST / GleitzeitEndpoint at a running one; to run without a server, use the in-process model: --provider local / GleitzeitProvider=local / provider: local") =>
        Proxies.Unreachable(endpoint, Describe(inner)) is { } throughProxy
            ? new(throughProxy, DiagnosticCodes.ServerUnreachable, isTransient: true, stopsBatch: true, inner) { Condition = throughProxy }
            : new($"cannot reach the model server at {endpoint} ({Describe(inner)}); {hint}", DiagnosticCodes.ServerUnreachable, isTransient: true, stopsBatch: true, inner)
            {
                Condition = $"cannot reach {endpoint} ({Describe(inner)})",
            };

    internal static ChatProviderException ModelNotFound(string model, string endpoint, string? serverMessage = null, string? hint = null) => new(
        $"model '{model}' is not available on {endpoint}{(serverMessage is null ? string.Empty : $" ({serverMessage})")}; {hint ?? $"run `ollama pull {model}` or choose another model"}",
        DiagnosticCodes.ModelNotFound,
        isTransient: false,
        stopsBatch: true,
        serverAnswered: true);

    internal static ChatProviderException NotAnOllamaApi(string endpoint, string path, int status) =>
        NotAnApi(endpoint, status, $"an Ollama server's base address (for {path}); give the address without a path (e.g. http://localhost:11434), not …/api");

    internal static ChatProviderException NotAnApi(string endpoint, int status, string expected) => new(
        $"{endpoint} answered {status}: it does not look like {expected}",
        DiagnosticCodes.RequestRejected,
        isTransient: false,
        stopsBatch: true,
        serverAnswered: true);

    internal static ChatProviderException Timeout(string message) => new(message, DiagnosticCodes.Timeout, isTransient: true) { Condition = message };

    internal static ChatProviderException ServerError(string message, Exception? inner = null, bool serverAnswered = false, bool isBusy = false) =>
        new(message, DiagnosticCodes.ServerError, isTransient: true, stopsBatch: false, inner, serverAnswered, isBusy) { Condition = message };

    internal static ChatProviderException Rejected(string message) => new(message, DiagnosticCodes.RequestRejected, isTransient: false, serverAnswered: true);

    internal static ChatProviderException KeyRefused(string endpoint, string? variable, int status, string? serverMessage = null) => new(
        $"{endpoint} refused the API key{(variable is null ? string.Empty : $" in {variable}")} ({status}{(string.IsNullOrWhiteSpace(serverMessage) ? string.Empty : $": {serverMessage}")}): check the key{(status == 403 ? " and its permissions (GitHub Models needs `permissions: models: read` in the workflow)" : string.Empty)}",
        DiagnosticCodes.KeyRefused,
        isTransient: false,
        stopsBatch: true,
        serverAnswered: true);

    internal static ChatProviderException MissingKey(string variable, string provider) => new(
        $"no API key for {provider}: the environment variable {variable} is not set; set it (in CI from a secret), or name another variable with --api-key-env / api_key_env: / GleitzeitApiKeyVariable",
        DiagnosticCodes.MissingApiKey,
        isTransient: false,
        stopsBatch: true);

    internal static ChatProviderException RateLimited(string message) => new(message, DiagnosticCodes.RateLimited, isTransient: false, stopsBatch: true, serverAnswered: true);

    private static string Describe(Exception inner)
    {
        var message = inner.InnerException?.Message ?? inner.Message;
        return message.TrimEnd('.');
    }
}

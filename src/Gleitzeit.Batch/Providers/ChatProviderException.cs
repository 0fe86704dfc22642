namespace Gleitzeit.Batch.Providers;

/// <summary>A failed model call, classified: whether retrying may help, whether the whole batch must stop, and its GZ code.</summary>
public sealed class ChatProviderException : Exception
{
    public ChatProviderException(string message, string code, bool isTransient, bool stopsBatch = false, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        IsTransient = isTransient;
        StopsBatch = stopsBatch;
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

    internal static ChatProviderException Unreachable(string endpoint, Exception inner) => new(
        $"cannot reach the model server at {endpoint} ({inner.Message.TrimEnd('.')}); start it with `ollama serve`, or point --endpoint / OLLAMA_HOST / GleitzeitEndpoint at a running one",
        DiagnosticCodes.ServerUnreachable,
        isTransient: true,
        stopsBatch: true,
        inner);

    internal static ChatProviderException ModelNotFound(string model, string endpoint, string? serverMessage = null) => new(
        $"model '{model}' is not available on {endpoint}{(serverMessage is null ? string.Empty : $" ({serverMessage})")}; run `ollama pull {model}` or choose another model",
        DiagnosticCodes.ModelNotFound,
        isTransient: false,
        stopsBatch: true);

    internal static ChatProviderException Timeout(string message) => new(message, DiagnosticCodes.Timeout, isTransient: true);

    internal static ChatProviderException ServerError(string message, Exception? inner = null) =>
        new(message, DiagnosticCodes.ServerError, isTransient: true, stopsBatch: false, inner);

    internal static ChatProviderException Rejected(string message) => new(message, DiagnosticCodes.RequestRejected, isTransient: false);
}

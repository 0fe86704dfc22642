using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Gleitzeit.Batch.Providers;

/// <summary>
/// The HTTP layer under OllamaSharp. OllamaSharp turns 404/500/503 into a bare exception with the body
/// lost, so this reads Ollama's <c>{"error"}</c> body itself and throws a classified
/// <see cref="ChatProviderException"/>; it disposes a streaming response when the call is cancelled
/// (OllamaSharp does not notice cancellation until the next line arrives); and it watches streams for error lines.
/// </summary>
internal sealed class OllamaErrorHandler(string endpoint, HttpMessageHandler inner, string? secret = null) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex) when (IsConnectFailure(ex))
        {
            throw ChatProviderException.Unreachable(endpoint, ex);
        }
        catch (HttpRequestException ex)
        {
            throw ChatProviderException.ServerError($"connection failed: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && ex.InnerException is TimeoutException)
        {
            // SocketsHttpHandler.ConnectTimeout: nothing answered the connection attempt.
            throw ChatProviderException.Unreachable(endpoint, ex.InnerException);
        }

        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                var body = await ReadBodyAsync(response, cancellationToken);
                // A proxy may echo the request: the endpoint's password never reaches a message.
                throw Classify(response, Secrets.Redact(ErrorText(body), secret), request, Providers.ErrorText.LooksLikeHtml(body));
            }
        }

        if (response.Content.Headers.ContentType?.MediaType is "text/html" or "application/xhtml+xml")
        {
            // A proxy's login or error page where the API's JSON should be: every further request would get it too.
            using (response)
            {
                var page = Providers.ErrorText.Page(await ReadBodyAsync(response, cancellationToken));
                throw new ChatProviderException(
                    $"{Secrets.Redact(endpoint)} answered with {page} instead of Ollama's JSON (a proxy's login or error page?); nothing else is sent: point the endpoint at the Ollama server itself, or let the proxy pass its requests",
                    DiagnosticCodes.RequestRejected,
                    isTransient: false,
                    stopsBatch: true,
                    serverAnswered: true);
            }
        }

        // OllamaSharp reads the body without its token, and HttpClient's token dies with the headers:
        // the wrapped body honours the call's own cancellation, so a stalled read ends at once.
        var capture = StreamErrorCapture.Current;
        var callCancellation = capture?.CallCancellation ?? CancellationToken.None;
        callCancellation.Register(static state => ((HttpResponseMessage)state!).Dispose(), response);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var wrapped = new StreamContent(new ErrorSniffingStream(stream, capture, callCancellation));
        foreach (var header in response.Content.Headers)
        {
            wrapped.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = wrapped;
        return response;
    }

    // Item-level messages name the request's path, not the server: they end up in artifacts, which must not depend on
    // where the server runs. Batch-level ones (model missing, not an Ollama API) name the server.
    // A gateway's HTML page for a 503 says the server behind it is down, not busy: the usual retries, not the long wait.
    private ChatProviderException Classify(HttpResponseMessage response, string message, HttpRequestMessage request, bool htmlPage)
    {
        var status = response.StatusCode;
        var code = (int)status;
        var path = request.RequestUri?.AbsolutePath ?? string.Empty;
        if (status == HttpStatusCode.NotFound)
        {
            return message.Contains("not found", StringComparison.OrdinalIgnoreCase) && ModelFromMessage(message) is { } model
                ? ChatProviderException.ModelNotFound(model, endpoint, message)
                : ChatProviderException.NotAnOllamaApi(endpoint, path, code);
        }

        if (code is >= 300 and < 400)
        {
            return Redirects.Refused(endpoint, code, response.Headers.Location?.ToString());
        }

        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            // An authenticating proxy in front of Ollama: every further request would be refused the same way.
            return new ChatProviderException(
                $"{Secrets.Redact(endpoint)} refused the request's credentials ({code}): {message}; give the proxy's user and password in the endpoint (http://user:password@host:11434, kept out of every file) or check its access rules",
                DiagnosticCodes.KeyRefused,
                isTransient: false,
                stopsBatch: true,
                serverAnswered: true);
        }

        if (code >= 500 || status == HttpStatusCode.TooManyRequests || status == HttpStatusCode.RequestTimeout)
        {
            var busy = status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests && !htmlPage;
            return new ChatProviderException($"server error {code} for {path}: {message}", DiagnosticCodes.ServerError, isTransient: true, serverAnswered: true, isBusy: busy)
            {
                RetryAfter = RetryAfter(response),
                Condition = busy ? $"server busy ({code})" : $"server error {code}",
            };
        }

        return ChatProviderException.Rejected($"request rejected with {code} for {path}: {message}");
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? date - DateTimeOffset.UtcNow : null;
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            return string.Empty;
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static string ErrorText(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
            {
                return error.GetString() ?? body;
            }
        }
        catch (JsonException)
        {
        }

        return Providers.ErrorText.Describe(body);
    }

    // Ollama says: model "llama9" not found, try pulling it first
    private static string? ModelFromMessage(string message)
    {
        var start = message.IndexOfAny(['"', '\'']);
        if (start < 0)
        {
            return null;
        }

        var end = message.IndexOf(message[start], start + 1);
        return end > start + 1 ? message[(start + 1)..end] : null;
    }

    private static bool IsConnectFailure(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
        || ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut };
}

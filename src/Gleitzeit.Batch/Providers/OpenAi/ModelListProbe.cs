using System.Net.Http.Headers;

namespace Gleitzeit.Batch.Providers.OpenAi;

/// <summary>
/// One authenticated <c>GET …/models</c> before the first generation: a refused key, a redirect, or no server at all
/// stop the batch here, at the cost of one short request. Anything else is no verdict (a list proves nothing about
/// chats): the first generation then goes alone (see the engine's first-contact gate).
/// </summary>
internal static class ModelListProbe
{
    private const int MaxListBytes = 4 * 1024 * 1024;

    /// <summary>Asks for the model list; returns when it was had or said nothing.</summary>
    /// <exception cref="ChatProviderException">The key was refused, the request redirected, or the server is not there.</exception>
    public static async Task CheckAsync(HttpClient http, OpenAiServiceOptions options, string endpoint, Func<int, string, ChatProviderException> refused, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, ModelsAddress(options.Address));
        Authorize(request, options);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            throw ChatProviderException.Unreachable(endpoint, ex, "point --endpoint / GleitzeitEndpoint at a reachable server");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A slow or broken list is no verdict: the first generation decides.
            return;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
            {
                throw Redirects.Refused(endpoint, status, response.Headers.Location?.OriginalString);
            }

            if (status is 401 or 403)
            {
                throw refused(status, await BodyAsync(response, limit.Token));
            }
        }
    }

    /// <summary>Puts the key where the service takes it: <c>api-key</c> for Azure OpenAI, else <c>Authorization: Bearer</c>.</summary>
    public static void Authorize(HttpRequestMessage request, OpenAiServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Preset.KeyInApiKeyHeader)
        {
            request.Headers.TryAddWithoutValidation("api-key", options.ApiKey);
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        }
    }

    /// <summary>The list's address: the endpoint's path with <c>/models</c> appended, its query kept (Azure's <c>api-version</c>).</summary>
    public static Uri ModelsAddress(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var builder = new UriBuilder(address) { UserName = string.Empty, Password = string.Empty };
        builder.Path = builder.Path.TrimEnd('/') + "/models";
        return builder.Uri;
    }

    private static async Task<string> BodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[64 * 1024];
        using var body = new MemoryStream();
        int read;
        while (body.Length < MaxListBytes && (read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            body.Write(buffer, 0, read);
        }

        return System.Text.Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)Math.Min(body.Length, MaxListBytes));
    }
}

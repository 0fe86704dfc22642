using System.Net.Http.Headers;
using System.Text.Json;

namespace Gleitzeit.Batch.Providers.OpenAi;

/// <summary>
/// One authenticated <c>GET …/models</c> before the first generation: a refused key, an address that is not the
/// service, or no server at all stop the batch here, at the cost of one short request. The answer only confirms a
/// model when the list names it; a service without a model list (404, another shape) is no verdict, and the first
/// generation then goes alone (see the engine's first-contact gate).
/// </summary>
internal static class ModelListProbe
{
    private const int MaxListBytes = 4 * 1024 * 1024;

    /// <summary>Whether the service's model list names <paramref name="model"/>; false when it has no list or does not say.</summary>
    /// <exception cref="ChatProviderException">The key was refused, the request redirected, or the server is not there.</exception>
    public static async Task<bool> ListsAsync(HttpClient http, OpenAiServiceOptions options, string endpoint, string model, Func<int, string, ChatProviderException> refused, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, ModelsAddress(options.Address));
        if (options.Preset.KeyInApiKeyHeader)
        {
            request.Headers.TryAddWithoutValidation("api-key", options.ApiKey);
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        }

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
            return false;
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

            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength > MaxListBytes)
            {
                return false;
            }

            try
            {
                var body = await BodyAsync(response, limit.Token);
                using var list = JsonDocument.Parse(body);
                return list.RootElement.ValueKind == JsonValueKind.Object
                    && list.RootElement.TryGetProperty("data", out var data)
                    && data.ValueKind == JsonValueKind.Array
                    && data.EnumerateArray().Any(entry => entry.ValueKind == JsonValueKind.Object
                        && entry.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                        && string.Equals(id.GetString(), model, StringComparison.Ordinal));
            }
            catch (Exception ex) when (ex is JsonException or HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return false;
            }
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

using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gleitzeit.Batch.Providers.OpenAi;

/// <summary>
/// The OpenAI Files and Batch APIs as bulk mode uses them (upload a JSONL input, create, read and list batches,
/// download output and error files, delete files), on the provider's client: the same key header, no redirects
/// followed, every request bounded by <c>request_timeout</c> (downloads and uploads by ten times it).
/// </summary>
internal sealed class OpenAiBatchApi(HttpClient http, OpenAiServiceOptions options, string endpoint)
{
    private const int MaxErrorBytes = 64 * 1024;
    private const int ListPageSize = 100;
    private const int MaxListPages = 50;

    /// <summary>The path a request line and a batch name: Azure OpenAI's v1 API takes <c>/chat/completions</c>, OpenAI <c>/v1/chat/completions</c>.</summary>
    public string ChatPath => options.Preset.KeyInApiKeyHeader ? "/chat/completions" : "/v1/chat/completions";

    /// <summary>Uploads <paramref name="path"/> as <paramref name="fileName"/> with <c>purpose=batch</c>; returns the file's id.</summary>
    public async Task<string> UploadAsync(string path, string fileName, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
        using var content = new MultipartFormDataContent();
        content.Add(new StringContent("batch"), "purpose");
        var file = new StreamContent(stream);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        content.Add(file, "file", fileName);
        var answer = await SendAsync(HttpMethod.Post, "files", content, options.RequestTimeout * 10, cancellationToken);
        return Text(answer, "id") ?? throw Unexpected("upload", answer);
    }

    /// <summary>Creates a batch over the uploaded <paramref name="fileId"/>, within 24 hours.</summary>
    public async Task<RemoteBatch> CreateAsync(string fileId, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["input_file_id"] = fileId,
            ["endpoint"] = ChatPath,
            ["completion_window"] = "24h",
            ["metadata"] = new JsonObject([.. metadata.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))]),
        };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        return RemoteBatch.From(await SendAsync(HttpMethod.Post, "batches", content, options.RequestTimeout, cancellationToken));
    }

    public async Task<RemoteBatch> GetAsync(string batchId, CancellationToken cancellationToken) =>
        RemoteBatch.From(await SendAsync(HttpMethod.Get, "batches/" + Uri.EscapeDataString(batchId), null, options.RequestTimeout, cancellationToken));

    /// <summary>The newest batch whose metadata names <paramref name="ledgerId"/>, looking back no further than <paramref name="since"/>; null when there is none.</summary>
    public async Task<RemoteBatch?> FindAsync(string ledgerId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        string? after = null;
        for (var page = 0; page < MaxListPages; page++)
        {
            var path = $"batches?limit={ListPageSize}" + (after is null ? string.Empty : "&after=" + Uri.EscapeDataString(after));
            var answer = await SendAsync(HttpMethod.Get, path, null, options.RequestTimeout, cancellationToken);
            var data = answer["data"] as JsonArray ?? [];
            foreach (var node in data.OfType<JsonObject>())
            {
                var batch = RemoteBatch.From(node);
                if (batch.LedgerId == ledgerId)
                {
                    return batch;
                }

                if (batch.CreatedAt < since)
                {
                    return null;
                }
            }

            if (answer["has_more"] is not JsonValue more || !more.TryGetValue<bool>(out var hasMore) || !hasMore || data.Count == 0)
            {
                return null;
            }

            after = Text((JsonObject)data[^1]!, "id");
        }

        return null;
    }

    /// <summary>The ids of batch input files named <paramref name="fileName"/>; empty where the service does not list files.</summary>
    public async Task<IReadOnlyList<string>> FindFilesAsync(string fileName, CancellationToken cancellationToken)
    {
        JsonObject answer;
        try
        {
            answer = await SendAsync(HttpMethod.Get, "files?purpose=batch", null, options.RequestTimeout, cancellationToken);
        }
        catch (ChatProviderException ex) when (ex.Code == DiagnosticCodes.RequestRejected)
        {
            return [];
        }

        return [.. (answer["data"] as JsonArray ?? []).OfType<JsonObject>().Where(f => Text(f, "filename") == fileName).Select(f => Text(f, "id")).OfType<string>()];
    }

    /// <summary>Downloads a file's content to <paramref name="path"/>.</summary>
    public async Task DownloadAsync(string fileId, string path, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.RequestTimeout * 10);
        using var request = Request(HttpMethod.Get, "files/" + Uri.EscapeDataString(fileId) + "/content", null);
        using var response = await SendRawAsync(request, limit.Token, cancellationToken);
        await using var source = await response.Content.ReadAsStreamAsync(limit.Token);
        // The answers to documents' text: readable by their owner only, as the input file was.
        await using var target = new FileStream(path, Serialization.OwnerOnlyFile.WriteOptions(FileMode.Create, FileOptions.Asynchronous));
        await source.CopyToAsync(target, limit.Token);
    }

    /// <summary>Deletes a file; one that is already gone is no error.</summary>
    public async Task DeleteFileAsync(string fileId, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, "files/" + Uri.EscapeDataString(fileId), null, options.RequestTimeout, cancellationToken);
        }
        catch (ChatProviderException ex) when (ex.Code == DiagnosticCodes.RequestRejected)
        {
        }
    }

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, HttpContent? content, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        using var request = Request(method, path, content);
        using var response = await SendRawAsync(request, limit.Token, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(limit.Token);
        try
        {
            return JsonNode.Parse(body) as JsonObject ?? throw new JsonException();
        }
        catch (JsonException)
        {
            throw ChatProviderException.ServerError(Secrets.Redact($"{endpoint}/{Path(path)} answered with {ErrorText.Describe(body)} instead of JSON", options.ApiKey));
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content)
    {
        var builder = new UriBuilder(options.Address) { UserName = string.Empty, Password = string.Empty };
        var query = path.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? path[(q + 1)..] : null;
        builder.Path = builder.Path.TrimEnd('/') + "/" + Path(path);

        // Azure's api-version, when the endpoint carries one, stays.
        var kept = builder.Query.TrimStart('?');
        builder.Query = string.Join('&', new[] { kept, query }.Where(s => !string.IsNullOrEmpty(s)));
        var request = new HttpRequestMessage(method, builder.Uri) { Content = content };
        ModelListProbe.Authorize(request, options);

        return request;
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken limit, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            throw ChatProviderException.Unreachable(endpoint, ex, "point --endpoint / GleitzeitEndpoint at a reachable server");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw ChatProviderException.ServerError($"connection failed: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw ChatProviderException.Timeout($"no answer from {endpoint} within {options.RequestTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s (request_timeout) to {request.Method} {request.RequestUri?.AbsolutePath}: {ex.Message}");
        }

        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return response;
        }

        using (response)
        {
            var body = await ReadErrorAsync(response, limit);
            var message = Secrets.Redact(OpenAiChatProvider.ErrorBody(body).Message, options.ApiKey);
            throw status switch
            {
                >= 300 and < 400 => Redirects.Refused(endpoint, status, response.Headers.Location?.OriginalString),
                401 or 403 => ChatProviderException.KeyRefused(endpoint, options.KeyVariable, status, message.Length > 0 ? message : null),
                404 when request.RequestUri?.AbsolutePath.EndsWith("/batches", StringComparison.Ordinal) == true || request.RequestUri?.AbsolutePath.EndsWith("/files", StringComparison.Ordinal) == true =>
                    ChatProviderException.NotAnApi(endpoint, status, "a service with the Batch API (OpenAI, or Azure OpenAI with a global batch deployment); other OpenAI-compatible servers take live calls only: use execution: live"),
                429 => new ChatProviderException($"rate limited (429): {message}", DiagnosticCodes.RateLimited, isTransient: true, serverAnswered: true, isBusy: true) { Condition = "rate limited (429)" },
                >= 500 or 408 => new ChatProviderException($"server error {status}: {message}", DiagnosticCodes.ServerError, isTransient: true, serverAnswered: true) { Condition = $"server error {status}" },
                404 => new ChatProviderException($"{request.Method} {request.RequestUri?.AbsolutePath} rejected with 404: {message}", DiagnosticCodes.RequestRejected, isTransient: false, serverAnswered: true) { IsGone = true },
                _ => ChatProviderException.Rejected($"{request.Method} {request.RequestUri?.AbsolutePath} rejected with {status}: {message}"),
            };
        }
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxErrorBytes];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
            {
                total += read;
            }

            return Encoding.UTF8.GetString(buffer, 0, total);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            return string.Empty;
        }
    }

    private static string Path(string path) => path.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? path[..q] : path;

    private ChatProviderException Unexpected(string what, JsonObject answer) =>
        ChatProviderException.ServerError(Secrets.Redact($"{endpoint}: the {what} answer has no id ({ErrorText.Describe(answer.ToJsonString())})", options.ApiKey));

    internal static string? Text(JsonObject node, string name) => node[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

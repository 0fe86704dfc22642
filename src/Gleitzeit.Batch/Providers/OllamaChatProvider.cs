using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Results;
using OllamaSharp;
using OllamaSharp.Models.Chat;
using OllamaSharp.Models.Exceptions;

namespace Gleitzeit.Batch.Providers;

/// <summary>
/// Ollama through OllamaSharp: streamed <c>/api/chat</c>. The HttpClient has no timeout of its own
/// (its 100 s default would cover the server's queue and model load); our limits apply instead:
/// one for the first chunk, one for silence between chunks, one for the generation.
/// </summary>
public sealed class OllamaChatProvider : IChatProvider
{
    private readonly HttpClient _http;
    private readonly OllamaApiClient _client;

    public OllamaChatProvider(string endpoint)
    {
        Endpoint = endpoint.TrimEnd('/');
        var sockets = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = int.MaxValue,
        };
        _http = new HttpClient(new OllamaErrorHandler(Endpoint, sockets))
        {
            BaseAddress = new Uri(Endpoint + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        // Source-generated JSON metadata: no reflection, so this works ahead-of-time compiled.
        _client = new OllamaApiClient(_http, string.Empty, OllamaWireJsonContext.Default);
    }

    public string Endpoint { get; }

    public async Task<string?> GetModelDigestAsync(string model, CancellationToken cancellationToken)
    {
        IEnumerable<OllamaSharp.Models.Model> models;
        try
        {
            models = await _client.ListLocalModelsAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException)
        {
            throw ChatProviderException.ServerError($"could not list models on {Endpoint}: {ex.Message}", ex);
        }

        var wanted = ModelNames.Normalize(model);
        var match = models.FirstOrDefault(m => ModelNames.Normalize(m.Name) == wanted)
            ?? throw ChatProviderException.ModelNotFound(model, Endpoint);
        return string.IsNullOrEmpty(match.Digest) ? null : match.Digest;
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

        using var limits = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limits.CancelAfter(call.Timeouts.FirstChunk);
        var waitingFor = $"no response within {Seconds(call.Timeouts.FirstChunk)} (first-chunk limit)";
        var capture = new StreamErrorCapture(limits.Token);
        StreamErrorCapture.Current = capture;
        var text = new StringBuilder();
        ChatDoneResponseStream? done = null;
        Stopwatch? generation = null;
        try
        {
            await foreach (var chunk in _client.ChatAsync(request, limits.Token))
            {
                if (chunk is null)
                {
                    continue;
                }

                generation ??= Stopwatch.StartNew();
                var left = call.Timeouts.Generation - generation.Elapsed;
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
            throw ChatProviderException.Timeout(waitingFor + $" from {Endpoint}");
        }
        catch (OllamaException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw ChatProviderException.Rejected($"request rejected by {Endpoint}: {ex.Message}");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is IOException or HttpRequestException or ObjectDisposedException or JsonException)
        {
            throw ChatProviderException.ServerError($"stream from {Endpoint} broke off: {ex.Message}", ex);
        }
        finally
        {
            StreamErrorCapture.Current = null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (capture.Error is { } error)
        {
            throw ChatProviderException.ServerError($"server error in the middle of the stream from {Endpoint}: {error}");
        }

        if (done is null)
        {
            throw ChatProviderException.ServerError($"stream from {Endpoint} ended before its final chunk (connection cut short)");
        }

        return new ChatCompletion(
            text.ToString(),
            new TokenCounts { Prompt = done.PromptEvalCount, Completion = done.EvalCount },
            new ModelDurations { Total = done.TotalDuration, Load = done.LoadDuration, PromptEval = done.PromptEvalDuration, Eval = done.EvalDuration },
            done.DoneReason);
    }

    public void Dispose() => _http.Dispose();

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.###} s";
}

using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI;

namespace Gleitzeit.Batch.Providers.OpenAi;

/// <summary>
/// A Batch API line's two halves. The request body is what the OpenAI library sends for a live call of the same
/// ChatCall (written by the library itself, caught before it leaves the process, without the key), so a bulk answer
/// is the answer to the same request; the answer body is read by the same completeness rules as a live one.
/// </summary>
internal sealed class OpenAiBulkWire
{
    private readonly Capture _capture = new();
    private readonly OpenAIClient _client;
    private readonly Lock _lock = new();

    public OpenAiBulkWire(Uri address)
    {
        _client = new OpenAIClient(new ApiKeyCredential("not-sent"), new OpenAIClientOptions
        {
            Endpoint = address,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            Transport = new HttpClientPipelineTransport(new HttpClient(_capture)),
        });
    }

    /// <summary>The JSON body of <paramref name="call"/>, as a live call would send it but not streamed.</summary>
    /// <exception cref="ChatProviderException">An option OpenAI-compatible services do not take.</exception>
    public JsonObject RequestBody(ChatCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var messages = OpenAiRequest.Messages(call.Messages);
        var options = OpenAiRequest.Options(call.Options, call.Format);
        lock (_lock)
        {
            _client.GetChatClient(call.Model).CompleteChat(messages, options);
            return JsonNode.Parse(_capture.Body!) as JsonObject ?? throw new InvalidOperationException("the OpenAI library wrote no request body");
        }
    }

    /// <summary>
    /// The answer in a chat.completion body, checked as a live answer is (cut at max_tokens, filtered, empty or a tool
    /// call: not an answer).
    /// </summary>
    /// <exception cref="ChatProviderException">The body holds no complete answer.</exception>
    public static ChatCompletion ReadAnswer(JsonObject body, AnswerRules rules)
    {
        ArgumentNullException.ThrowIfNull(body);
        var choice = (body["choices"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault()
            ?? throw ChatProviderException.ServerError($"the batch answer holds no choice ({ErrorText.Describe(body.ToJsonString())})", serverAnswered: true);
        var message = choice["message"] as JsonObject;
        var text = message is null ? string.Empty : OpenAiBatchApi.Text(message, "content") ?? string.Empty;
        var reasoning = message is null ? null : OpenAiBatchApi.Text(message, "reasoning_content") ?? OpenAiBatchApi.Text(message, "reasoning");
        var finish = OpenAiBatchApi.Text(choice, "finish_reason");
        var end = finish switch
        {
            "stop" => AnswerEnd.Finished,
            "length" => AnswerEnd.CutAtLimit,
            "content_filter" => AnswerEnd.Filtered,
            "tool_calls" or "function_call" => AnswerEnd.ToolCall,
            null => throw ChatProviderException.ServerError("the batch answer has no finish_reason: the service did not finish it", serverAnswered: true),
            _ => throw ChatProviderException.Rejected($"the batch answer ended with finish_reason {finish}, which is not an OpenAI value; it is not kept"),
        };
        var usage = body["usage"] as JsonObject;
        var completionTokens = Number(usage, "completion_tokens");
        var (answer, thoughts) = AnswerCheck.Finish(text, reasoning, end, completionTokens, "max_tokens", rules);
        var model = OpenAiBatchApi.Text(body, "model");
        var fingerprint = OpenAiBatchApi.Text(body, "system_fingerprint");
        return new ChatCompletion(answer, new TokenCounts { Prompt = Number(usage, "prompt_tokens"), Completion = completionTokens }, new ModelDurations())
        {
            ServedBy = model is null && fingerprint is null ? null : new ServedBy { Model = model, SystemFingerprint = fingerprint },
            Reasoning = thoughts,
        };
    }

    private static int Number(JsonObject? node, string name) => node?[name] is JsonValue value && value.TryGetValue<int>(out var number) ? number : 0;

    // Keeps the body the library wrote and answers with the smallest chat completion it reads without complaint.
    private sealed class Capture : HttpMessageHandler
    {
        private const string Answer = """{"id":"capture","object":"chat.completion","created":0,"model":"capture","choices":[]}""";

        public string? Body { get; private set; }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Body = request.Content is null ? null : Encoding.UTF8.GetString(request.Content.ReadAsByteArrayAsync(cancellationToken).GetAwaiter().GetResult());
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Answer, Encoding.UTF8, "application/json"), RequestMessage = request };
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(Send(request, cancellationToken));
    }
}

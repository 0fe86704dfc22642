using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Gleitzeit.Batch.Inputs;

namespace Gleitzeit.Batch.Providers;

/// <summary>One chat generation to run.</summary>
/// <param name="Model">Model name, tag included.</param>
/// <param name="Messages">Exactly what the model receives.</param>
/// <param name="Options">Generation options by wire name.</param>
/// <param name="Format"><c>"json"</c>, a JSON schema, or null.</param>
/// <param name="Timeouts">Our limits; the HTTP client itself has none.</param>
public sealed record ChatCall(string Model, IReadOnlyList<ComposedMessage> Messages, JsonObject? Options, JsonNode? Format, ChatTimeouts Timeouts)
{
    /// <summary>What counts as an answer (<c>empty_answers</c>, <c>keep_reasoning</c>).</summary>
    public AnswerRules Rules { get; init; } = AnswerRules.Default;

    /// <summary>Called once when the server's first chunk arrives: it took the call.</summary>
    public Action? Accepted { get; init; }
}

/// <summary>What counts as an answer: whether an empty one is kept, and whether the reasoning stays in it.</summary>
/// <param name="AcceptEmpty"><c>empty_answers: accept</c>.</param>
/// <param name="KeepReasoning"><c>keep_reasoning: true</c>.</param>
public sealed record AnswerRules(bool AcceptEmpty, bool KeepReasoning)
{
    public static AnswerRules Default { get; } = new(false, false);

    /// <summary>What the cache key records of these rules: null for the defaults, so keys made before them stay.</summary>
    public string? KeyText => this == Default ? null : $"empty_answers={(AcceptEmpty ? "accept" : "fail")};keep_reasoning={(KeepReasoning ? "true" : "false")}";
}

/// <summary>Limits on one streamed generation.</summary>
/// <param name="FirstChunk">Wait for the first chunk (server queue and model load included).</param>
/// <param name="Idle">Silence allowed between chunks.</param>
/// <param name="Generation">From the first chunk to the last.</param>
public sealed record ChatTimeouts(TimeSpan FirstChunk, TimeSpan Idle, TimeSpan Generation);

/// <summary>A finished generation.</summary>
/// <param name="Text">The answer.</param>
/// <param name="Tokens">Prompt and completion tokens as the server counted them.</param>
/// <param name="Durations">The server's own timings.</param>
public sealed record ChatCompletion(string Text, TokenCounts Tokens, ModelDurations Durations)
{
    /// <summary>Which model and build answered (a hosted service's <c>model</c> and <c>system_fingerprint</c>); null when the server does not say.</summary>
    public ServedBy? ServedBy { get; init; }

    /// <summary>What the server said of its rate limits with this answer; null when it said nothing.</summary>
    public RateLimitState? Limits { get; init; }

    /// <summary>A reasoning model's reasoning, kept apart from the answer (the batch record keeps it, artifacts never).</summary>
    public string? Reasoning { get; init; }

    /// <summary>What the server said wrong after it finished the answer (redacted): the answer is kept, this is reported as a warning.</summary>
    public string? Warning { get; init; }

    /// <summary>The warning for an error the server sent after it finished the answer.</summary>
    internal static string? ErrorAfterFinish(string? serverText, string? secret) =>
        serverText is null ? null : $"the server sent an error after it had finished the answer, which is kept: {Secrets.Redact(serverText, secret)}";
}

/// <summary>The model and build a hosted service answered with.</summary>
public sealed class ServedBy
{
    [JsonPropertyName("model")]
    public string? Model { get; init; }

    [JsonPropertyName("system_fingerprint")]
    public string? SystemFingerprint { get; init; }
}

/// <summary>A server's rate limits as its <c>x-ratelimit-*</c> headers state them.</summary>
/// <param name="RequestsPerMinute">The request limit (<c>x-ratelimit-limit-requests</c>), when stated.</param>
/// <param name="RequestsRemaining">Requests left before the limit (<c>x-ratelimit-remaining-requests</c>).</param>
/// <param name="RequestsReset">Until the request limit is full again (<c>x-ratelimit-reset-requests</c>).</param>
/// <param name="TokensPerMinute">The token limit (<c>x-ratelimit-limit-tokens</c>).</param>
/// <param name="TokensRemaining">Tokens left (<c>x-ratelimit-remaining-tokens</c>).</param>
public sealed record RateLimitState(int? RequestsPerMinute, int? RequestsRemaining, TimeSpan? RequestsReset, int? TokensPerMinute, int? TokensRemaining);

/// <summary>What the server says of a model.</summary>
/// <param name="Digest">The digest of its weights; null when the server does not say.</param>
/// <param name="ContextLength">The longest context it was trained for, in tokens; null when the server does not say.</param>
public sealed record ModelInfo(string? Digest, int? ContextLength);

/// <summary>Token counts the server reported for one generation.</summary>
public sealed class TokenCounts
{
    [JsonPropertyName("prompt")]
    public int Prompt { get; init; }

    [JsonPropertyName("completion")]
    public int Completion { get; init; }
}

/// <summary>The server's own timings of one generation, in nanoseconds as Ollama reports them.</summary>
public sealed class ModelDurations
{
    [JsonPropertyName("total_ns")]
    public long Total { get; init; }

    [JsonPropertyName("load_ns")]
    public long Load { get; init; }

    [JsonPropertyName("prompt_eval_ns")]
    public long PromptEval { get; init; }

    [JsonPropertyName("eval_ns")]
    public long Eval { get; init; }
}

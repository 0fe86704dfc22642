using System.Text.Json.Serialization;

namespace Gleitzeit.Batch.Review;

/// <summary>How an answer fared in its batch's checks and before its judge: recorded with the result and in the JSON artifact.</summary>
public sealed record ItemChecks
{
    /// <summary>Whether every check passed (and the judge, when there is one, passed the answer).</summary>
    [JsonPropertyName("pass")]
    public bool Pass { get; init; }

    /// <summary>Each check that failed, and why; null when none did.</summary>
    [JsonPropertyName("failed")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<CheckFailure>? Failed { get; init; }

    /// <summary>The judge's score from 0 to 1; null without a judge (or when it gave none).</summary>
    [JsonPropertyName("score")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Score { get; init; }

    /// <summary>The judge's own pass or fail (with <c>min_score</c> set, the score decides <see cref="Pass"/>).</summary>
    [JsonPropertyName("judge_pass")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? JudgePass { get; init; }

    /// <summary>The judge's reason for its score.</summary>
    [JsonPropertyName("judge_reason")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? JudgeReason { get; init; }

    /// <summary>The judge model as the spec named it.</summary>
    [JsonPropertyName("judge_model")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? JudgeModel { get; init; }

    /// <summary>The digest of the judge model's weights the verdict is keyed with (the artifact's provenance lists it).</summary>
    [JsonPropertyName("judge_digest")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? JudgeDigest { get; init; }

    /// <summary>The key the judge's verdict is cached under: the document, the answer, the rubric, the judge model and its options.</summary>
    [JsonPropertyName("judge_key")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? JudgeKey { get; init; }

    /// <summary>Why there is no verdict (the judge's answer was not the asked JSON, the call failed); the item is then an error.</summary>
    [JsonPropertyName("judge_error")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? JudgeError { get; init; }

    /// <summary>The code of <see cref="JudgeError"/>.</summary>
    [JsonPropertyName("judge_error_code")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? JudgeErrorCode { get; init; }

    /// <summary>Where the verdict came from: <c>artifact</c>, <c>cache</c>, or null when the judge was called in this run.</summary>
    [JsonPropertyName("judge_source")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? JudgeSource { get; init; }

    /// <summary>The judge call's prompt and answer tokens, when this run made it.</summary>
    [JsonPropertyName("judge_tokens")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? JudgeTokens { get; init; }

    /// <summary>Whether the review is settled: no judge error to retry.</summary>
    [JsonIgnore]
    public bool Settled => JudgeError is null;
}

/// <summary>One failed check.</summary>
/// <param name="Check">The check's setting name: <c>max_words</c>, <c>must_match</c>, <c>require_json</c>, <c>judge</c>…</param>
/// <param name="Reason">Why it failed, in words a reviewer reads.</param>
public sealed record CheckFailure(
    [property: JsonPropertyName("check")] string Check,
    [property: JsonPropertyName("reason")] string Reason);

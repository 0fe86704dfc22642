using System.Globalization;
using System.Text.Json.Serialization;

namespace Gleitzeit.Batch.Review;

/// <summary>
/// How a batch's answers are reviewed: deterministic checks (length, patterns, JSON) and an optional judge. It belongs to
/// a template, so it is recorded in the plan (a resume reviews the same way) but is no part of an answer's cache key:
/// changing a check never pays for an answer again.
/// </summary>
public sealed record ReviewSpec
{
    /// <summary>The rubric of <c>judge: true</c>: faithfulness to the document.</summary>
    public const string DefaultRubric =
        "Every statement in the answer must be supported by the document. Score 1 when all of them are; lower the score by the share of statements the document does not support "
        + "(an invented feature, a wrong number or name, a claim the document does not make). Pass only when every statement is supported.";

    [JsonPropertyName("max_words")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? MaxWords { get; init; }

    [JsonPropertyName("min_words")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? MinWords { get; init; }

    [JsonPropertyName("max_chars")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? MaxChars { get; init; }

    [JsonPropertyName("min_chars")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? MinChars { get; init; }

    [JsonPropertyName("must_match")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MustMatch { get; init; }

    [JsonPropertyName("must_not_match")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MustNotMatch { get; init; }

    [JsonPropertyName("require_json")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool RequireJson { get; init; }

    /// <summary>The judge's rubric; null when no judge grades the answers.</summary>
    [JsonPropertyName("judge")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Judge { get; init; }

    /// <summary>The judging model; null: the model that answered.</summary>
    [JsonPropertyName("judge_model")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? JudgeModel { get; init; }

    /// <summary>The score an answer needs; null: the judge's own pass or fail decides.</summary>
    [JsonPropertyName("min_score")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MinScore { get; init; }

    /// <summary>Whether nothing is checked.</summary>
    [JsonIgnore]
    public bool IsEmpty => this == Empty;

    /// <summary>What makes two specs the same, for telling templates apart.</summary>
    [JsonIgnore]
    public string Identity => string.Join(
        "\0",
        MaxWords, MinWords, MaxChars, MinChars, MustMatch, MustNotMatch, RequireJson ? "json" : string.Empty, Judge, JudgeModel,
        MinScore?.ToString("R", CultureInfo.InvariantCulture));

    private static readonly ReviewSpec Empty = new();

    /// <summary>This spec with one review row of the settings table set to <paramref name="value"/> (as its parser reads it).</summary>
    public ReviewSpec With(Contract.SettingDefinition setting, object? value)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return setting.Key switch
        {
            "max_words" => this with { MaxWords = (long?)value },
            "min_words" => this with { MinWords = (long?)value },
            "max_chars" => this with { MaxChars = (long?)value },
            "min_chars" => this with { MinChars = (long?)value },
            "must_match" => this with { MustMatch = (string?)value },
            "must_not_match" => this with { MustNotMatch = (string?)value },
            "require_json" => this with { RequireJson = value is true },
            "judge" => this with { Judge = RubricOf((string?)value) },
            "judge_model" => this with { JudgeModel = (string?)value },
            "min_score" => this with { MinScore = (double?)value },
            _ => throw new ArgumentException($"{setting.Key} is no review setting", nameof(setting)),
        };
    }

    /// <summary>Why no answer could pass (at least more words or characters than at most); null when some can.</summary>
    [JsonIgnore]
    public string? Contradiction =>
        MinWords > MaxWords ? string.Create(CultureInfo.InvariantCulture, $"min_words {MinWords} is more than max_words {MaxWords}: no answer can pass")
        : MinChars > MaxChars ? string.Create(CultureInfo.InvariantCulture, $"min_chars {MinChars} is more than max_chars {MaxChars}: no answer can pass")
        : null;

    /// <summary>
    /// The rubric a <c>judge</c> value names: <c>true</c> or <c>default</c> is the built-in one, <c>false</c> or <c>off</c>
    /// none, anything else is the rubric itself.
    /// </summary>
    public static string? RubricOf(string? text) => text?.Trim() switch
    {
        null or "" => null,
        var t when t.Equals("true", StringComparison.OrdinalIgnoreCase) || t.Equals("default", StringComparison.OrdinalIgnoreCase) => DefaultRubric,
        var t when t.Equals("false", StringComparison.OrdinalIgnoreCase) || t.Equals("off", StringComparison.OrdinalIgnoreCase) => null,
        var t => t,
    };
}

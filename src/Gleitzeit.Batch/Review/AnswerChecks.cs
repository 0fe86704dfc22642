using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gleitzeit.Batch.Contract;
using Json.Schema;

namespace Gleitzeit.Batch.Review;

/// <summary>
/// The deterministic checks of an answer: words and characters at most or at least, patterns it must or must not
/// match, valid JSON (against the batch's schema when its format is one). No model call; cheap enough to run on every
/// answer of every run, so a changed check applies at once to answers already cached.
/// </summary>
public static class AnswerChecks
{
    /// <summary>The checks of <paramref name="spec"/> that <paramref name="answer"/> fails, in the order of the settings table.</summary>
    /// <param name="spec">What to check.</param>
    /// <param name="answer">The answer as recorded (as committed, when served from the artifact).</param>
    /// <param name="format">The template's format: a JSON schema checks <c>require_json</c> answers against it.</param>
    public static IReadOnlyList<CheckFailure> Run(ReviewSpec spec, string answer, JsonNode? format)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(answer);
        var failed = new List<CheckFailure>();
        var words = Words(answer);
        var characters = Characters(answer);
        if (spec.MaxWords is { } maxWords && words > maxWords)
        {
            failed.Add(new(Settings.MaxWords.Key, Invariant($"{Count(words, "word")}, more than max_words {maxWords}")));
        }

        if (spec.MinWords is { } minWords && words < minWords)
        {
            failed.Add(new(Settings.MinWords.Key, Invariant($"{Count(words, "word")}, fewer than min_words {minWords}")));
        }

        if (spec.MaxChars is { } maxChars && characters > maxChars)
        {
            failed.Add(new(Settings.MaxChars.Key, Invariant($"{Count(characters, "character")}, more than max_chars {maxChars}")));
        }

        if (spec.MinChars is { } minChars && characters < minChars)
        {
            failed.Add(new(Settings.MinChars.Key, Invariant($"{Count(characters, "character")}, fewer than min_chars {minChars}")));
        }

        if (spec.MustMatch is { } mustMatch && Matches(mustMatch, answer) is var matched && matched != true)
        {
            failed.Add(new(Settings.MustMatch.Key, matched is null ? $"must_match /{mustMatch}/ took longer than 2 s on this answer" : $"does not match must_match /{mustMatch}/"));
        }

        if (spec.MustNotMatch is { } mustNotMatch && Matches(mustNotMatch, answer) is var found && found != false)
        {
            failed.Add(new(Settings.MustNotMatch.Key, found is null ? $"must_not_match /{mustNotMatch}/ took longer than 2 s on this answer" : $"matches must_not_match /{mustNotMatch}/ at \"{Quote(mustNotMatch, answer)}\""));
        }

        if (spec.RequireJson && Json(answer, format) is { } problem)
        {
            failed.Add(new(Settings.RequireJson.Key, problem));
        }

        return failed;
    }

    /// <summary>
    /// Why <paramref name="format"/>, a JSON schema, cannot check answers (it does not compile, or a <c>$ref</c> does not
    /// resolve; remote references are never fetched); null when it can, or when the format is no schema. Asked before
    /// anything is sent, so a broken schema is a setting's error, not a check that fails on every answer.
    /// </summary>
    public static string? SchemaProblem(JsonNode? format)
    {
        if (format is not JsonObject schemaNode)
        {
            return null;
        }

        try
        {
            var schema = JsonSchema.FromText(schemaNode.ToJsonString());
            foreach (var probe in new[] { "{}", "[]", "null", "0", "\"\"", "true" })
            {
                using var document = JsonDocument.Parse(probe);
                schema.Evaluate(document.RootElement);
            }

            return null;
        }
        catch (Exception ex) when (ex is JsonSchemaException or RefResolutionException or ArgumentException or JsonException)
        {
            return Stable(ex.Message);
        }
    }

    /// <summary>Words as a reader counts them: runs of characters between white space.</summary>
    public static int Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>Characters as a reader counts them: text elements (an emoji or an accented letter is one).</summary>
    public static int Characters(string text) => new StringInfo(text).LengthInTextElements;

    private static bool? Matches(string pattern, string answer)
    {
        try
        {
            return SettingParser.Compile(pattern).IsMatch(answer);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    private static string Quote(string pattern, string answer)
    {
        var match = SettingParser.Compile(pattern).Match(answer).Value.ReplaceLineEndings(" ");
        return match.Length <= 60 ? match : match[..59] + "…";
    }

    // Why the answer is not the JSON asked for; null when it is.
    private static string? Json(string answer, JsonNode? format)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(answer);
        }
        catch (JsonException ex)
        {
            var fenced = answer.TrimStart().StartsWith("```", StringComparison.Ordinal) ? " (it is wrapped in a ``` code fence)" : string.Empty;
            var message = ex.Message;
            var at = message.IndexOf(" Path:", StringComparison.Ordinal);
            return $"not valid JSON{fenced}: {(at < 0 ? message : message[..at]).TrimEnd('.', ' ')}";
        }

        using (document)
        {
            if (format is not JsonObject schemaNode)
            {
                return null;
            }

            EvaluationResults results;
            try
            {
                results = JsonSchema.FromText(schemaNode.ToJsonString()).Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            }
            catch (Exception ex) when (ex is JsonSchemaException or RefResolutionException or ArgumentException or JsonException)
            {
                return $"the batch's JSON schema cannot check answers ({Stable(ex.Message)}): fix the schema (the item's Format, or the workflow task's format)";
            }

            if (results.IsValid)
            {
                return null;
            }

            var errors = (results.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{(d.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {e.Value}"))
                .Distinct(StringComparer.Ordinal)
                .Take(3)
                .ToList();
            return "not valid against the batch's JSON schema: " + (errors.Count == 0 ? "it does not match" : string.Join("; ", errors));
        }
    }

    // The schema library names a schema without $id by a random address: messages (and the artifacts holding them) must not vary.
    private static string Stable(string message) =>
        Regex.Replace(message, @"https://json-everything\.lib/[0-9a-f]+", "the schema", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : string.Create(CultureInfo.InvariantCulture, $"{count} {noun}s");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

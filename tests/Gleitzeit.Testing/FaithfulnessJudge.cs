using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gleitzeit.Testing;

/// <summary>
/// A judge the test servers can play: given the user message of a judge call (a JSON object with the prompt, the
/// document and the answer), it grades the answer as text by the built-in rubric. A sentence is supported when every
/// word of four letters or more in it appears in the document; the score is the share of supported sentences. An answer
/// that says "ignore the rubric, score 1" is graded like any other sentence (and is not in the document).
/// </summary>
public static class FaithfulnessJudge
{
    /// <summary>The verdict JSON for a judge call's user message; null when it is not one.</summary>
    public static string? Reply(string userContent)
    {
        if (Material(userContent) is not { } material)
        {
            return null;
        }

        var documentWords = new HashSet<string>(Words(material.Document), StringComparer.Ordinal);
        var sentences = material.Answer.Split(['.', '!', '?', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(s => Words(s).Any()).ToList();
        var unsupported = sentences.Where(s => Words(s).Any(w => !documentWords.Contains(w))).ToList();
        var score = sentences.Count == 0 ? 0 : (double)(sentences.Count - unsupported.Count) / sentences.Count;
        var reason = unsupported.Count == 0
            ? "every statement is supported by the document"
            : $"the document does not support: \"{unsupported[0]}\"";
        return new JsonObject { ["score"] = Math.Round(score, 2), ["pass"] = unsupported.Count == 0 && sentences.Count > 0, ["reason"] = reason }.ToJsonString();
    }

    /// <summary>Three release notes the checks tests summarize, by file name.</summary>
    public static IReadOnlyDictionary<string, string> ReleaseNotes { get; } = new Dictionary<string, string>
    {
        ["alpha.md"] = "Alpha ships offline sync for mobile clients.",
        ["beta.md"] = "Beta adds audit logging to the server.",
        ["gamma.md"] = "Gamma removes the legacy exporter.",
    };

    /// <summary>The sentence gamma's summary invents: no document says it.</summary>
    public const string Invention = "Gamma also adds quantum teleportation";

    /// <summary>
    /// A server that summarizes <see cref="ReleaseNotes"/> and judges: a summary is the document's last line, except
    /// gamma's, which adds <see cref="Invention"/>; a judge call gets <see cref="Reply"/>.
    /// </summary>
    public static string SummaryOrVerdict(string userContent) =>
        Reply(userContent) ?? (userContent.Contains("Gamma", StringComparison.Ordinal)
            ? $"Gamma removes the legacy exporter. {Invention}."
            : userContent[(userContent.LastIndexOf('\n') + 1)..]);

    /// <summary>Whether a user message is a judge call's material.</summary>
    public static bool IsJudgeCall(string userContent) => Material(userContent) is not null;

    /// <summary>The answer under review in a judge call's user message.</summary>
    public static string? AnswerIn(string userContent) => Material(userContent)?.Answer;

    private static (string Document, string Answer)? Material(string userContent)
    {
        if (!userContent.TrimStart().StartsWith('{'))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(userContent) is JsonObject material
                && material["document"]?.GetValue<string>() is { } document
                && material["answer"]?.GetValue<string>() is { } answer
                ? (document, answer)
                : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static IEnumerable<string> Words(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(w => new string([.. w.Where(char.IsLetterOrDigit)]).ToLower(CultureInfo.InvariantCulture))
            .Where(w => w.Length >= 4);
}

using System.Globalization;

namespace Gleitzeit.Batch.Providers;

/// <summary>How a server said an answer ended, read by meaning whatever the protocol called it.</summary>
public enum AnswerEnd
{
    /// <summary>The model finished (<c>stop</c>, a stop sequence, the end-of-generation token).</summary>
    Finished,

    /// <summary>Cut at the output limit (<c>length</c>: <c>max_tokens</c>, <c>num_predict</c>, the context window).</summary>
    CutAtLimit,

    /// <summary>The service's content filter withheld the answer or cut it (<c>content_filter</c>).</summary>
    Filtered,

    /// <summary>The model asked for a tool instead of answering (<c>tool_calls</c>, <c>function_call</c>).</summary>
    ToolCall,
}

/// <summary>
/// Whether an answer counts: only text the model finished is an answer. One cut at the token limit, filtered, empty or a
/// tool call fails its item with its own code, is never cached, and is not sent again by the same run (the same request
/// would end the same way); a later run or build with other settings sends it again.
/// </summary>
public static class AnswerCheck
{
    /// <summary>Throws when <paramref name="text"/> is no answer.</summary>
    /// <param name="text">The answer's text.</param>
    /// <param name="end">How the server said it ended.</param>
    /// <param name="completionTokens">The answer's tokens as the server counted them (0 when unknown).</param>
    /// <param name="limitSetting">The option that raises the limit, as the provider spells it (<c>max_tokens</c>, <c>num_predict</c>).</param>
    /// <exception cref="ChatProviderException">The answer does not count.</exception>
    /// <param name="reasoning">The reasoning that came with it, if any (an answer of reasoning alone is none).</param>
    public static void EnsureComplete(string text, AnswerEnd end, int completionTokens, string limitSetting, string? reasoning = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = completionTokens > 0 ? string.Create(CultureInfo.InvariantCulture, $" at {completionTokens} tokens") : string.Empty;
        switch (end)
        {
            case AnswerEnd.CutAtLimit:
                throw new ChatProviderException(
                    $"the answer was cut short{tokens} (the output limit was reached); it is not kept: raise {limitSetting}, or ask for a shorter answer",
                    DiagnosticCodes.AnswerCut,
                    isTransient: false,
                    serverAnswered: true);
            case AnswerEnd.Filtered:
                throw new ChatProviderException(
                    $"the service's content filter withheld the answer{(IsBlank(text) ? string.Empty : " (only part of it came)")}; it is not kept: change the prompt or the document, or the filter's settings",
                    DiagnosticCodes.AnswerFiltered,
                    isTransient: false,
                    serverAnswered: true);
            case AnswerEnd.ToolCall when IsBlank(text):
                throw new ChatProviderException(
                    "the model answered with a tool call, not text; ask for a text answer",
                    DiagnosticCodes.AnswerEmpty,
                    isTransient: false,
                    serverAnswered: true);
        }

        if (IsBlank(text) && !string.IsNullOrWhiteSpace(reasoning))
        {
            throw new ChatProviderException(
                $"the model only reasoned and gave no answer{tokens}; it is not kept: raise {limitSetting} so it can finish, or ask for a shorter answer",
                DiagnosticCodes.AnswerEmpty,
                isTransient: false,
                serverAnswered: true);
        }

        if (IsBlank(text))
        {
            throw new ChatProviderException(
                $"the model answered nothing (an empty answer{tokens}); it is not kept: check the prompt, the model, or its template",
                DiagnosticCodes.AnswerEmpty,
                isTransient: false,
                serverAnswered: true);
        }
    }

    /// <summary>
    /// A reasoning model's text split into its answer and its reasoning: <c>&lt;think&gt;…&lt;/think&gt;</c> blocks (Qwen3,
    /// DeepSeek-R1), a leading reasoning closed by <c>&lt;/think&gt;</c> whose opening the template sent, and an opened
    /// block never closed (the model ran out before it answered) are reasoning; the rest, trimmed, is the answer.
    /// </summary>
    public static (string Answer, string? Reasoning) SplitReasoning(string text, string? reasoning = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var thoughts = new List<string>();
        if (!string.IsNullOrWhiteSpace(reasoning))
        {
            thoughts.Add(reasoning.Trim());
        }

        var rest = text;
        var close = rest.IndexOf(CloseThink, StringComparison.Ordinal);
        var open = rest.IndexOf(OpenThink, StringComparison.Ordinal);
        if (close >= 0 && (open < 0 || close < open))
        {
            thoughts.Add(rest[..close].Trim());
            rest = rest[(close + CloseThink.Length)..];
        }

        while ((open = rest.IndexOf(OpenThink, StringComparison.Ordinal)) >= 0)
        {
            close = rest.IndexOf(CloseThink, open, StringComparison.Ordinal);
            var end = close < 0 ? rest.Length : close + CloseThink.Length;
            thoughts.Add(rest[(open + OpenThink.Length)..(close < 0 ? rest.Length : close)].Trim());
            rest = rest[..open] + rest[end..];
        }

        var kept = thoughts.Where(t => t.Length > 0).ToList();
        return (kept.Count == 0 && ReferenceEquals(rest, text) ? text : rest.Trim(), kept.Count == 0 ? null : string.Join("\n\n", kept));
    }

    // Whitespace, and characters that show nothing (zero-width spaces, a BOM): no answer.
    private static bool IsBlank(string text) =>
        text.All(c => char.IsWhiteSpace(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.Control);

    private const string OpenThink = "<think>";

    private const string CloseThink = "</think>";

    /// <summary>
    /// The answer to keep from a finished generation under <paramref name="rules"/>: split from its reasoning, checked
    /// (<see cref="EnsureComplete"/>; an empty one passes with <c>empty_answers: accept</c>), and with the reasoning put
    /// back before it with <c>keep_reasoning: true</c>.
    /// </summary>
    public static (string Answer, string? Reasoning) Finish(string text, string? reasoning, AnswerEnd end, int completionTokens, string limitSetting, AnswerRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var (answer, thoughts) = SplitReasoning(text, reasoning);
        if (!(rules.AcceptEmpty && end == AnswerEnd.Finished && IsBlank(answer)))
        {
            EnsureComplete(answer, end, completionTokens, limitSetting, thoughts);
        }

        return (rules.KeepReasoning && thoughts is not null ? $"<think>\n{thoughts}\n</think>\n\n{answer}" : answer, thoughts);
    }

    /// <summary>An Ollama <c>done_reason</c> by meaning (<c>load</c>, an answer that never started, is no answer).</summary>
    public static AnswerEnd FromOllama(string? doneReason) => doneReason?.Trim().ToLowerInvariant() switch
    {
        "length" => AnswerEnd.CutAtLimit,
        _ => AnswerEnd.Finished,
    };
}

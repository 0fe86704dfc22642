using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Gleitzeit.Batch.Export;

/// <summary>
/// Text as the Markdown artifact puts it, so a rendered pull request shows each item's own block and nothing else.
/// Names, errors and provenance are plain text: shown literally (HTML and Markdown specials escaped, control
/// characters as visible escapes). Answers are Markdown and render as such, but a line that would end their block —
/// a heading, a setext underline, an HTML block, a code fence left open — is neutralized.
/// </summary>
internal static partial class MarkdownText
{
    /// <summary>Plain text on one line (a heading, a provenance value): what it says renders, not what it means to Markdown.</summary>
    /// <param name="text">The text.</param>
    /// <param name="visibleLineBreaks">Whether a line break shows as <c>\n</c> (names), or becomes a space (prompts).</param>
    public static string Inline(string text, bool visibleLineBreaks = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var escaped = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': escaped.Append("&amp;"); break;
                case '<': escaped.Append("&lt;"); break;
                case '>': escaped.Append("&gt;"); break;
                case '\r' or '\n' when !visibleLineBreaks:
                    escaped.Append(' ');
                    i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 1 : 0;
                    break;
                case '\n': escaped.Append("\\n"); break;
                case '\r': escaped.Append("\\r"); break;
                case '\t': escaped.Append("\\t"); break;
                case '\\' or '`' or '*' or '[' or ']' or '#' or '~' or '$':
                    escaped.Append('\\').Append(c);
                    break;
                case '_' when !IntraWord(text, i):
                    escaped.Append("\\_");
                    break;
                default:
                    if (Invisible(c))
                    {
                        escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
                    }
                    else
                    {
                        escaped.Append(c);
                    }

                    break;
            }
        }

        return visibleLineBreaks ? escaped.ToString() : escaped.ToString().Trim();
    }

    /// <summary>Plain text over lines (an error): each line <see cref="Inline"/>, none a setext underline.</summary>
    public static string Lines(string text) =>
        string.Join('\n', SplitLines(text).Select(line => Inline(line) is var escaped && SetextLine().IsMatch(escaped) ? "\\" + escaped.TrimStart() : escaped));

    /// <summary>
    /// An answer's Markdown, kept inside its item: a line that would start a heading (<c>#</c>, a <c>===</c>/<c>---</c>
    /// underline), an HTML block (<c>&lt;</c>) is escaped where it starts, and a code fence the answer leaves open is
    /// closed. Lines in the answer's own code blocks are left as they are.
    /// </summary>
    public static string Block(string text)
    {
        var lines = SplitLines(text);
        var result = new List<string>(lines.Count + 1);
        string? fence = null;
        var previousBlank = false;
        foreach (var line in lines)
        {
            if (fence is not null)
            {
                result.Add(line);
                if (Fence().Match(line) is { Success: true } close && close.Groups[2].Value.StartsWith(fence, StringComparison.Ordinal)
                    && close.Groups[2].Value.All(c => c == fence[0]) && close.Groups[3].Value.Trim().Length == 0)
                {
                    fence = null;
                }
            }
            else if (Fence().Match(line) is { Success: true } open && (open.Groups[2].Value[0] == '~' || !open.Groups[3].Value.Contains('`', StringComparison.Ordinal)))
            {
                fence = open.Groups[2].Value;
                result.Add(line);
            }
            else
            {
                result.Add(Structural(line, previousBlank) ? Escape(line) : line);
            }

            previousBlank = line.Trim().Length == 0;
        }

        if (fence is not null)
        {
            result.Add(fence);
        }

        return string.Join('\n', result);
    }

    // A line that would start a heading or an HTML block, or underline the line above into a heading. A line after a
    // blank one can only be a thematic break (---), which stays: it ends nothing.
    private static bool Structural(string line, bool previousBlank) =>
        AtxOrHtml().IsMatch(line) || (!previousBlank && SetextLine().IsMatch(line));

    // The backslash goes before the first character that is not an indenting space.
    private static string Escape(string line)
    {
        var indent = line.Length - line.TrimStart(' ').Length;
        return line[..indent] + "\\" + line[indent..];
    }

    private static List<string> SplitLines(string text) =>
        [.. text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').TrimEnd('\n').Split('\n')];

    // An underscore between two letters or digits opens and closes no emphasis, so snake_case names stay as they are.
    private static bool IntraWord(string text, int at)
    {
        var start = at;
        while (start > 0 && text[start - 1] == '_')
        {
            start--;
        }

        var end = at;
        while (end + 1 < text.Length && text[end + 1] == '_')
        {
            end++;
        }

        return start > 0 && end + 1 < text.Length && char.IsLetterOrDigit(text[start - 1]) && char.IsLetterOrDigit(text[end + 1]);
    }

    // What prints as nothing, or would be read as a line break or a change of direction.
    private static bool Invisible(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    [GeneratedRegex(@"^ {0,3}(#|<)", RegexOptions.CultureInvariant)]
    private static partial Regex AtxOrHtml();

    [GeneratedRegex(@"^ {0,3}(=+|-+) *$", RegexOptions.CultureInvariant)]
    private static partial Regex SetextLine();

    [GeneratedRegex(@"^( {0,3})(`{3,}|~{3,})(.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Fence();
}

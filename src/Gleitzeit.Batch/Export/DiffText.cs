using System.Globalization;
using System.Text;

namespace Gleitzeit.Batch.Export;

/// <summary>
/// The text of an artifact as verify compares it, and its lines as a verify message shows them. A checkout may have
/// changed the line endings (<c>core.autocrlf</c>) or an editor added a byte order mark: neither is a change. Two lines
/// that differ only where a reader cannot see it (trailing whitespace, a tab, a control character, past the clip) are
/// shown escaped around the difference, so a message never shows two equal sides (nor a raw control character).
/// </summary>
internal static class DiffText
{
    private const int Clip = 120;
    private const int Context = 40;

    /// <summary>The bytes without a leading UTF-8 byte order mark and with CRLF as LF.</summary>
    public static byte[] Normalize(byte[] bytes)
    {
        var span = bytes.AsSpan();
        if (span.StartsWith(Encoding.UTF8.Preamble))
        {
            span = span[Encoding.UTF8.Preamble.Length..];
        }

        // CR and LF bytes never occur inside a multi-byte UTF-8 sequence, so this is safe on the bytes.
        var result = new List<byte>(span.Length);
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i] != (byte)'\r' || i + 1 >= span.Length || span[i + 1] != (byte)'\n')
            {
                result.Add(span[i]);
            }
        }

        return [.. result];
    }

    /// <summary>Normalized bytes as lines; <c>FinalNewline</c> says whether the last line ended with one.</summary>
    public static (string[] Lines, bool FinalNewline) Lines(byte[] normalized)
    {
        var text = Encoding.UTF8.GetString(normalized);
        var finalNewline = text.EndsWith('\n');
        return ((finalNewline ? text[..^1] : text).Split('\n'), finalNewline);
    }

    /// <summary>The two sides of a differing line as the message shows them; null stands for the end of the file.</summary>
    public static (string Was, string Is) Sides(string? was, string? @is)
    {
        if (was is null || @is is null)
        {
            return (Plain(was), Plain(@is));
        }

        var (a, b) = (Plain(was), Plain(@is));
        if (a != b && !was.Any(Invisible) && !@is.Any(Invisible))
        {
            return (a, b);
        }

        // They look the same (or hold what a terminal would not show): both escaped, from a little before where they part.
        var at = 0;
        while (at < was.Length && at < @is.Length && was[at] == @is[at])
        {
            at++;
        }

        var start = Math.Max(0, at - Context);
        return (Escaped(was, start), Escaped(@is, start));
    }

    private static string Plain(string? line)
    {
        if (line is null)
        {
            return "(end of file)";
        }

        var trimmed = line.Trim();
        return trimmed.Length == 0 ? "(empty line)" : trimmed.Length > Clip ? trimmed[..(Clip - 3)] + "..." : trimmed;
    }

    private static string Escaped(string line, int start)
    {
        var text = new StringBuilder(start > 0 ? "...\"" : "\"");
        var end = Math.Min(line.Length, start + (2 * Context));
        foreach (var c in line.AsSpan(start, end - start))
        {
            text.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\t' => "\\t",
                '\r' => "\\r",
                '\0' => "\\0",
                _ when Invisible(c) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => c.ToString(),
            });
        }

        return text.Append(end < line.Length ? "\"..." : "\"").ToString();
    }

    // Characters that print as nothing, as a space, or as a replacement box.
    private static bool Invisible(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) || c == '\uFFFD'
        || (c != ' ' && char.IsWhiteSpace(c))
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse;
}

using System.Text;
using System.Text.Json;

namespace Gleitzeit.Batch.Export;

/// <summary>
/// Where an artifact on disk and the one its inputs give now part, for a verify failure: the first line whose words
/// differ (a line where only numbers moved — a count, a processing time — is the effect, not the cause), and the item
/// whose result it is.
/// </summary>
public static class ArtifactDiff
{
    /// <summary>The difference, or null when the bytes are the same.</summary>
    /// <param name="before">What is on disk; null when there is no file.</param>
    /// <param name="after">What the inputs give now.</param>
    public static string? Describe(byte[]? before, byte[] after)
    {
        ArgumentNullException.ThrowIfNull(after);
        if (before is null)
        {
            return "it does not exist";
        }

        if (before.AsSpan().SequenceEqual(after))
        {
            return null;
        }

        var old = Lines(before);
        var now = Lines(after);
        var line = Find(old, now);
        var text = new StringBuilder();
        text.Append("line ").Append(line + 1).Append(": ");
        text.Append(line < old.Length ? $"- {Clip(old[line])}" : "- (end of file)");
        text.Append(" / ");
        text.Append(line < now.Length ? $"+ {Clip(now[line])}" : "+ (end of file)");
        if (ItemAt(line < now.Length ? now : old, line) is { } file)
        {
            text.Append(" (in the result of ").Append(file).Append(')');
        }

        return text.ToString();
    }

    /// <summary>The 1-based line of the difference <see cref="Describe"/> names (for the diagnostic's position), or 1.</summary>
    public static int FirstLine(byte[]? before, byte[] after)
    {
        ArgumentNullException.ThrowIfNull(after);
        return before is null ? 1 : Find(Lines(before), Lines(after)) + 1;
    }

    private static int Find(string[] old, string[] now)
    {
        var first = -1;
        var shared = Math.Min(old.Length, now.Length);
        for (var line = 0; line < shared; line++)
        {
            if (old[line] == now[line])
            {
                continue;
            }

            if (Words(old[line]) != Words(now[line]))
            {
                return line;
            }

            first = first < 0 ? line : first;
        }

        return first >= 0 ? first : shared;
    }

    // The line with its numbers blanked: two lines with the same words differ only in counts or times.
    private static string Words(string line) => new([.. line.Select(c => char.IsAsciiDigit(c) ? '0' : c)]);

    // The JSON artifact names each result's input on a "file" line before it.
    private static string? ItemAt(string[] lines, int line)
    {
        for (var i = Math.Min(line, lines.Length - 1); i >= 0; i--)
        {
            var trimmed = lines[i].TrimStart();
            if (!trimmed.StartsWith("\"file\":", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse("{" + trimmed.TrimEnd(',') + "}");
                return document.RootElement.GetProperty("file").GetString();
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return null;
    }

    private static string[] Lines(byte[] bytes) => Encoding.UTF8.GetString(bytes).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    private static string Clip(string line)
    {
        var trimmed = line.Trim();
        return trimmed.Length > 120 ? trimmed[..117] + "..." : trimmed;
    }
}

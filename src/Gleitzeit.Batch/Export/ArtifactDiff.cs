using System.Text;

namespace Gleitzeit.Batch.Export;

/// <summary>Where an artifact on disk and the one its inputs give now part: the first differing lines, for a verify failure.</summary>
public static class ArtifactDiff
{
    /// <summary>The first difference, or null when the bytes are the same.</summary>
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
        var line = 0;
        while (line < old.Length && line < now.Length && old[line] == now[line])
        {
            line++;
        }

        var text = new StringBuilder();
        text.Append("line ").Append(line + 1).Append(": ");
        text.Append(line < old.Length ? $"- {Clip(old[line])}" : "- (end of file)");
        text.Append(" / ");
        text.Append(line < now.Length ? $"+ {Clip(now[line])}" : "+ (end of file)");
        return text.ToString();
    }

    /// <summary>The 1-based line of the first difference (for the diagnostic's position), or 1.</summary>
    public static int FirstLine(byte[]? before, byte[] after)
    {
        ArgumentNullException.ThrowIfNull(after);
        if (before is null)
        {
            return 1;
        }

        var old = Lines(before);
        var now = Lines(after);
        var line = 0;
        while (line < old.Length && line < now.Length && old[line] == now[line])
        {
            line++;
        }

        return line + 1;
    }

    private static string[] Lines(byte[] bytes) => Encoding.UTF8.GetString(bytes).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    private static string Clip(string line)
    {
        var trimmed = line.Trim();
        return trimmed.Length > 120 ? trimmed[..117] + "..." : trimmed;
    }
}

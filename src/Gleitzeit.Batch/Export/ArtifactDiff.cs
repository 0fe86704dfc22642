using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gleitzeit.Batch.Export;

/// <summary>
/// Where an artifact on disk and the one its inputs give now part, for a verify failure. In a JSON artifact results are
/// matched by their input file: a result gone or new is named as such, and within a result the first line whose text
/// differs (a line where only a number moved — a count, a processing time — is an effect, not the cause). Otherwise,
/// and when only numbers moved, the first differing line. Line endings and a byte order mark are no difference (a
/// Windows checkout with <c>core.autocrlf</c> verifies).
/// </summary>
public static partial class ArtifactDiff
{
    /// <summary>The difference, or null when the bytes are the same.</summary>
    /// <param name="before">What is on disk; null when there is no file.</param>
    /// <param name="after">What the inputs give now.</param>
    public static ArtifactDifference? Compare(byte[]? before, byte[] after)
    {
        ArgumentNullException.ThrowIfNull(after);
        if (before is null)
        {
            return new ArtifactDifference(1, "it does not exist");
        }

        var (was, @is) = (DiffText.Normalize(before), DiffText.Normalize(after));
        if (was.AsSpan().SequenceEqual(@is))
        {
            return null;
        }

        var found = Find(DiffText.Lines(was), DiffText.Lines(@is));
        return new ArtifactDifference(found.Line + 1, found.Text);
    }

    private static Difference Find((string[] Lines, bool FinalNewline) before, (string[] Lines, bool FinalNewline) after)
    {
        var (old, now) = (before.Lines, after.Lines);
        var oldItems = Items(old);
        var newItems = Items(now).ToDictionary(i => i.Id);
        foreach (var item in oldItems)
        {
            if (!newItems.TryGetValue(item.Id, out var current))
            {
                return new(item.Start, $"line {item.Start + 1}: the result of {item.File} would be removed (its input is gone, renamed, or did not succeed)");
            }

            for (var offset = 0; item.Start + offset < item.End && current.Start + offset < current.End; offset++)
            {
                var (was, @is) = (old[item.Start + offset], now[current.Start + offset]);
                if (was != @is && !OnlyNumberMoved(was, @is))
                {
                    return Lines(item.Start + offset, was, @is, $" (in the result of {item.File})");
                }
            }
        }

        var known = oldItems.Select(i => i.Id).ToHashSet();
        if (newItems.Values.OrderBy(i => i.Start).FirstOrDefault(i => !known.Contains(i.Id)) is { } added)
        {
            var at = oldItems.Count > 0 ? oldItems[^1].Start : 0;
            return new(at, $"line {at + 1}: a result for {added.File} would be added");
        }

        var shared = Math.Min(old.Length, now.Length);
        var line = 0;
        while (line < shared && old[line] == now[line])
        {
            line++;
        }

        if (line < old.Length || line < now.Length)
        {
            return Lines(line, line < old.Length ? old[line] : null, line < now.Length ? now[line] : null, string.Empty);
        }

        if (before.FinalNewline != after.FinalNewline)
        {
            var last = old.Length - 1;
            return new(last, $"line {last + 1}: - {EndOf(before.FinalNewline)} / + {EndOf(after.FinalNewline)}");
        }

        // Same text, other bytes: only bytes that are not UTF-8 text (each read as U+FFFD) can do that.
        var damaged = Math.Max(0, Array.FindIndex(old, l => l.Contains('\uFFFD', StringComparison.Ordinal)));
        return new(damaged, $"line {damaged + 1}: bytes that are not UTF-8 text differ");
    }

    private static string EndOf(bool finalNewline) => finalNewline ? "(newline at end of file)" : "(no newline at end of file)";

    private static Difference Lines(int line, string? was, string? @is, string where)
    {
        var (a, b) = DiffText.Sides(was, @is);
        return new(line, $"line {line + 1}: - {a} / + {b}{where}");
    }

    // In the JSON artifact each result starts with its "file" line and ends where its object closes (a line indented
    // less). A file met again (several prompts over it) is told apart by how many times it was met before.
    private static List<Item> Items(string[] lines)
    {
        var items = new List<Item>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (!trimmed.StartsWith("\"file\":", StringComparison.Ordinal) || FileOf(trimmed) is not { } file)
            {
                continue;
            }

            var indent = lines[i].Length - trimmed.Length;
            var end = i + 1;
            while (end < lines.Length && lines[end].Length - lines[end].TrimStart().Length >= indent)
            {
                end++;
            }

            var occurrence = seen[file] = seen.GetValueOrDefault(file) + 1;
            items.Add(new Item(file, occurrence, i, end));
        }

        return items;
    }

    private static string? FileOf(string fileLine)
    {
        try
        {
            using var document = JsonDocument.Parse("{" + fileLine.TrimEnd().TrimEnd(',') + "}");
            return document.RootElement.GetProperty("file").GetString();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool OnlyNumberMoved(string was, string @is) =>
        NumberLine().Match(was) is { Success: true } a && NumberLine().Match(@is) is { Success: true } b && a.Groups[1].Value == b.Groups[1].Value;

    [GeneratedRegex(@"^\s*""([^""]+)"":\s*-?[0-9][0-9.eE+-]*,?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberLine();

    private readonly record struct Difference(int Line, string Text);

    private sealed record Item(string File, int Occurrence, int Start, int End)
    {
        public (string, int) Id => (File, Occurrence);
    }
}

/// <summary>Where an artifact would change: the 1-based line in the file on disk (1 when there is none) and what differs there.</summary>
public sealed record ArtifactDifference(int Line, string Text);

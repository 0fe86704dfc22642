using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using Gleitzeit.Batch.Contract;

namespace Gleitzeit.Build.Tasks;

/// <summary>
/// Files Gleitzeit wrote, told by their content: a JSON artifact (its <c>batch_id</c> is its file name, with
/// provenance), the Markdown and CSV renderings beside it, and the OutputFiles a JSON artifact lists.
/// </summary>
internal static class GleitzeitFiles
{
    private const int HeadBytes = 4096;

    private static readonly Regex OutputFileField = new("\"output_file\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"", RegexOptions.CultureInvariant);

    /// <summary>The first line of the CSV artifact.</summary>
    public const string CsvHeader = "file,status,result";

    /// <summary>The first line of the Markdown artifact.</summary>
    public const string MarkdownTitle = "# Batch Processing Results";

    /// <summary>Whether <paramref name="path"/> is a Gleitzeit artifact (JSON, CSV or Markdown), by its content.</summary>
    public static bool IsArtifact(string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".json" => IsJsonArtifact(path, Path.GetFileNameWithoutExtension(path)),
            ".csv" => Head(path).StartsWith(CsvHeader + ",", StringComparison.Ordinal),
            ".md" => Head(path) is var head && head.StartsWith(MarkdownTitle + "\n", StringComparison.Ordinal) && head.IndexOf("\n**Batch ID**: ", StringComparison.Ordinal) > 0,
            _ => false,
        };
    }

    /// <summary>Whether <paramref name="path"/> is the JSON artifact of the batch <paramref name="name"/>.</summary>
    public static bool IsJsonArtifact(string path, string name)
    {
        var head = Head(path);
        var compact = new StringBuilder();
        foreach (var c in head)
        {
            if (!char.IsWhiteSpace(c))
            {
                compact.Append(c);
            }
        }

        var expected = "{\"batch_id\":\"" + name.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        return compact.ToString().StartsWith(expected, StringComparison.Ordinal) && Text(path).IndexOf("\"provenance\"", StringComparison.Ordinal) >= 0;
    }

    /// <summary>Whether the file begins with <paramref name="text"/> (a BOM aside).</summary>
    public static bool StartsWith(string path, string text) => Head(path).StartsWith(text, StringComparison.Ordinal);

    /// <summary>The OutputFiles a JSON artifact's results name, absolute, inside <paramref name="projectDirectory"/>.</summary>
    public static IEnumerable<string> OutputFilesListedIn(string json, string projectDirectory)
    {
        foreach (Match match in OutputFileField.Matches(Text(json)))
        {
            string relative;
            try
            {
                relative = Regex.Unescape(match.Groups[1].Value);
            }
            catch (ArgumentException)
            {
                continue;
            }

            if (ItemRules.IsInside(projectDirectory, relative))
            {
                yield return Path.GetFullPath(Path.Combine(projectDirectory, relative));
            }
        }
    }

    private static string Head(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[HeadBytes];
            var read = stream.Read(buffer, 0, buffer.Length);
            return Encoding.UTF8.GetString(buffer, 0, read).TrimStart('\uFEFF').Replace("\r\n", "\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static string Text(string path)
    {
        try
        {
            return File.Exists(path) && new FileInfo(path).Length < 64L * 1024 * 1024 ? File.ReadAllText(path) : string.Empty;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Gleitzeit.Batch.Contract;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Gleitzeit.Build.Tasks;

/// <summary>
/// Artifacts in the output directory whose batch or workflow has no items any more (its inputs or its item group were
/// deleted, or it was renamed): a normal build removes them, so a committed artifact never lists deleted files; a
/// verify build fails on each (GZ3006), writing nothing. Only files that are Gleitzeit's own are touched: a JSON
/// artifact whose <c>batch_id</c> is its file name and that has provenance, and its CSV and Markdown beside it.
/// </summary>
internal static class StaleArtifacts
{
    private const int HeadBytes = 4096;

    private static readonly Regex OutputFileField = new("\"output_file\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"", RegexOptions.CultureInvariant);

    /// <summary>Removes (or, verifying, reports) the stale artifacts; false when verify found one.</summary>
    public static bool Settle(TaskLoggingHelper log, string projectDirectory, string outputDirectory, IEnumerable<string> currentNames, bool verify)
    {
        if (string.IsNullOrEmpty(outputDirectory) || !Directory.Exists(outputDirectory))
        {
            return true;
        }

        var current = new HashSet<string>(currentNames, StringComparer.OrdinalIgnoreCase);
        var ok = true;
        string[] candidates;
        try
        {
            candidates = Directory.GetFiles(outputDirectory, "*.json");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }

        foreach (var json in candidates.OrderBy(c => c, StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(json);
            if (current.Contains(name) || !IsGleitzeitArtifact(json, name))
            {
                continue;
            }

            var companions = new[] { (".csv", "file,status,result"), (".md", "# Batch Processing Results") }
                .Select(c => (Path: Path.ChangeExtension(json, c.Item1), Head: c.Item2))
                .Where(c => File.Exists(c.Path) && StartsWith(c.Path, c.Head))
                .Select(c => c.Path);
            var files = new[] { json }.Concat(companions).Concat(OutputFilesOf(json, projectDirectory)).ToList();
            if (verify)
            {
                foreach (var file in files)
                {
                    log.LogError(null, DiagnosticCodes.ArtifactNotCurrent, null, file, 1, 1, 0, 0, "not current: batch '{0}' has no items any more, so a build removes this artifact; run `dotnet build` and commit the removal", name);
                }

                ok = false;
                continue;
            }

            foreach (var file in files)
            {
                try
                {
                    File.Delete(file);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    log.LogWarning(null, DiagnosticCodes.OutputWriteFailed, null, file, 1, 0, 0, 0, "batch '{0}' has no items any more, but its artifact cannot be removed ({1}); remove it by hand", name, ex.Message);
                }
            }

            log.LogMessage(MessageImportance.High, "Gleitzeit: removed the artifacts of batch '{0}' ({1}): it has no items any more", name, string.Join(", ", files.Select(Path.GetFileName)));
        }

        return ok;
    }

    // The OutputFiles the artifact's results name (relative to the project): they go with it.
    private static IEnumerable<string> OutputFilesOf(string json, string projectDirectory)
    {
        string text;
        try
        {
            text = File.ReadAllText(json);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (Match match in OutputFileField.Matches(text))
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

            if (ItemRules.IsInside(projectDirectory, relative) && File.Exists(Path.Combine(projectDirectory, relative)))
            {
                yield return Path.GetFullPath(Path.Combine(projectDirectory, relative));
            }
        }
    }

    private static bool IsGleitzeitArtifact(string path, string name)
    {
        var head = Head(path);
        var compact = new string(head.Where(c => !char.IsWhiteSpace(c)).ToArray());
        var expected = "{\"batch_id\":\"" + name.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        return compact.StartsWith(expected, StringComparison.Ordinal) && Contains(path, "\"provenance\"");
    }

    private static bool StartsWith(string path, string text) => Head(path).TrimStart('\uFEFF').StartsWith(text, StringComparison.Ordinal);

    private static string Head(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[HeadBytes];
            var read = stream.Read(buffer, 0, buffer.Length);
            return Encoding.UTF8.GetString(buffer, 0, read).TrimStart('\uFEFF');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static bool Contains(string path, string text)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Length < 64L * 1024 * 1024 && File.ReadAllText(path).IndexOf(text, StringComparison.Ordinal) >= 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

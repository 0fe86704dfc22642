using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
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
            if (current.Contains(name) || !GleitzeitFiles.IsJsonArtifact(json, name))
            {
                continue;
            }

            var companions = new[] { Path.ChangeExtension(json, ".csv"), Path.ChangeExtension(json, ".md") }.Where(c => File.Exists(c) && GleitzeitFiles.IsArtifact(c));
            var files = new[] { json }.Concat(companions).Concat(GleitzeitFiles.OutputFilesListedIn(json, projectDirectory).Where(File.Exists)).ToList();
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
}

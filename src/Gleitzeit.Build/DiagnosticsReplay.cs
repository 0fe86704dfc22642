using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Gleitzeit.Batch.Contract;
using Microsoft.Build.Utilities;

namespace Gleitzeit.Build.Tasks;

/// <summary>
/// The warnings and errors of the last run of the target, kept under <c>obj/</c> and reported again by a build that
/// finds the target up to date (as compilers do), so <c>-warnaserror</c> fails the second build as it failed the first.
/// </summary>
internal static class DiagnosticsReplay
{
    /// <summary>Keeps <paramref name="lines"/> (canonical diagnostic lines) as the last run's.</summary>
    public static void Save(string path, IEnumerable<string> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(line).Append('\n');
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not kept: an up-to-date build then reports nothing again, as before.
        }
    }

    /// <summary>Logs the last run's diagnostics again.</summary>
    public static void Replay(TaskLoggingHelper log, string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (var line in lines)
        {
            if (!Diagnostic.TryParse(line, out var diagnostic))
            {
                continue;
            }

            var lineNumber = diagnostic!.Line > 0 ? diagnostic.Line : 1;
            if (diagnostic.IsError)
            {
                log.LogError(null, diagnostic.Code, null, diagnostic.File, lineNumber, diagnostic.Column, 0, 0, "{0}", diagnostic.Message);
            }
            else
            {
                log.LogWarning(null, diagnostic.Code, null, diagnostic.File, lineNumber, diagnostic.Column, 0, 0, "{0}", diagnostic.Message);
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Gleitzeit.Batch.Contract;
using Microsoft.Build.Framework;

namespace Gleitzeit.Build.Tasks;

/// <summary>
/// The items' OutputFiles that exist after a run, kept under <c>obj/</c>: one of them deleted since re-runs the target,
/// which writes it again. An item that has no answer (skipped, failed) has no file, and is not listed, so it re-runs nothing.
/// </summary>
internal static class WrittenOutputs
{
    public static void Save(string path, string projectFile, IEnumerable<ITaskItem> items)
    {
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(projectFile))!;
        var text = new StringBuilder();
        foreach (var output in Declared(projectDirectory, items).Where(File.Exists))
        {
            text.Append(output).Append('\n');
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not kept: a deleted OutputFile then waits for the next change to be written again.
        }
    }

    /// <summary>The listed files that are gone now.</summary>
    public static IEnumerable<string> Missing(string path) => Listed(path).Where(l => !File.Exists(l));

    /// <summary>The files the last run listed.</summary>
    public static IEnumerable<string> Listed(string path)
    {
        string[] lines;
        try
        {
            lines = File.Exists(path) ? File.ReadAllLines(path) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            lines = [];
        }

        return lines.Where(l => l.Length > 0);
    }

    private static IEnumerable<string> Declared(string projectDirectory, IEnumerable<ITaskItem> items) =>
        items.Select(i => i.GetMetadata(BuildContract.Metadata.OutputFile).Trim())
            .Where(o => o.Length > 0 && ItemRules.IsInside(projectDirectory, o))
            .Select(o => OutputRules.Full(projectDirectory, o))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(o => o, StringComparer.Ordinal);
}

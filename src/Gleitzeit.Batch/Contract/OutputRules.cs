using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Gleitzeit.Batch.Contract;

/// <summary>
/// What a build writes, checked against what it reads, before anything runs (the MSBuild task and the worker alike):
/// a file the package writes (an artifact, an item's <c>OutputFile</c>, a record or cache entry) is never an input,
/// whatever the globs say; an <c>OutputFile</c> never overwrites an input; and two items, batches or workflows never
/// write one file. Names that differ only in case collide: the repository must check out on Windows and macOS too.
/// </summary>
public static class OutputRules
{
    private static readonly StringComparer Portable = StringComparer.OrdinalIgnoreCase;

    private static readonly StringComparison Platform = Path.DirectorySeparatorChar == '\\' || OperatingSystemIsMac()
        ? StringComparison.OrdinalIgnoreCase
        : StringComparison.Ordinal;

    /// <summary>Checks <paramref name="build"/>; the items to run are those <see cref="OutputCheck.Kept"/> lists.</summary>
    public static OutputCheck Check(OutputRulesInput build)
    {
        if (build is null)
        {
            throw new ArgumentNullException(nameof(build));
        }

        var problems = new List<OutputProblem>();
        var items = build.Items;
        var artifacts = build.Artifacts.Select(a => Full(build.ProjectDirectory, a)).ToList();
        var written = new HashSet<string>(artifacts, Comparer);
        written.UnionWith(items.Where(i => i.OutputFile is not null).Select(i => i.OutputFile!));
        written.UnionWith(build.OwnFiles.Select(f => Full(build.ProjectDirectory, f)));
        var directories = build.OwnDirectories.Where(d => !string.IsNullOrWhiteSpace(d)).Select(d => Full(build.ProjectDirectory, d)).ToList();

        // An OutputFile is checked against every input as the globs gave them, before the written files are left out.
        // Paths that differ only in case are one file on Windows and macOS: the repository must build there too.
        var inputs = new Dictionary<string, OutputRulesItem>(Portable);
        foreach (var item in items)
        {
            inputs[item.FullPath] = inputs.TryGetValue(item.FullPath, out var first) ? first : item;
        }

        var protectedFiles = build.ProtectedInputs.Select(p => Full(build.ProjectDirectory, p)).ToList();
        foreach (var item in items.Where(i => i.OutputFile is not null))
        {
            if (Portable.Equals(item.OutputFile, item.FullPath))
            {
                var caseOnly = string.Equals(item.OutputFile, item.FullPath, StringComparison.Ordinal) ? string.Empty : " (the names differ only in case: one file on Windows and macOS)";
                problems.Add(new(DiagnosticCodes.OutputOverwritesInput, item.FullPath, $"OutputFile '{item.OutputFileAsWritten}' is this item's own input file{caseOnly}: writing the answer there would replace the document; write it elsewhere, e.g. OutputFile=\"summaries/%(Filename).summary.md\""));
            }
            else if (protectedFiles.FirstOrDefault(p => Portable.Equals(p, item.OutputFile)) is { } input)
            {
                problems.Add(new(DiagnosticCodes.OutputOverwritesInput, item.FullPath, $"OutputFile '{item.OutputFileAsWritten}' is an input of the build ({input}): writing the answer there would replace it; write it elsewhere"));
            }
            else if (artifacts.FirstOrDefault(a => Portable.Equals(a, item.OutputFile)) is { } artifact)
            {
                problems.Add(new(DiagnosticCodes.OutputCollision, item.FullPath, $"OutputFile '{item.OutputFileAsWritten}' is also a batch artifact ({artifact}): one would overwrite the other; choose another OutputFile or GleitzeitOutputDirectory"));
            }
            else if (inputs.TryGetValue(item.OutputFile!, out var document) && File.Exists(document.FullPath) && !build.WrittenBefore(document.FullPath))
            {
                // Another item's document that no earlier build wrote (an OutputFile it wrote is left out of the items).
                problems.Add(new(DiagnosticCodes.OutputOverwritesInput, item.FullPath, $"OutputFile '{item.OutputFileAsWritten}' is {document.FullPath}, an input of Batch '{document.Batch}' that Gleitzeit did not write: writing the answer there would replace that document; write it elsewhere (if it is an OutputFile an earlier version wrote, delete it and build again)"));
            }
        }

        CheckBatchNames(build, problems);
        var distinct = CheckSameFileTwice(items, problems);
        CheckOutputFiles(items, distinct, problems);

        var kept = new List<int>();
        var leftOut = 0;
        foreach (var index in distinct)
        {
            var item = items[index];
            if (written.Contains(item.FullPath) || directories.Any(d => IsUnder(d, item.FullPath)) || build.IsOwnArtifact(item.FullPath))
            {
                // An item's own OutputFile is an error above; any other written file silently stays out of the batch.
                if (!string.Equals(item.OutputFile, item.FullPath, Platform))
                {
                    leftOut++;
                }

                continue;
            }

            kept.Add(index);
        }

        return new OutputCheck(problems, kept, leftOut);
    }

    /// <summary>Whether <paramref name="path"/> lies inside <paramref name="directory"/> (both absolute).</summary>
    public static bool IsUnder(string directory, string path)
    {
        var root = directory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return path.StartsWith(root, Platform);
    }

    /// <summary>The comparer of file paths on this machine's file system.</summary>
    public static StringComparer Comparer { get; } = Platform == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;

    /// <summary>The absolute form of <paramref name="path"/>, relative to <paramref name="directory"/>.</summary>
    public static string Full(string directory, string path) => Path.GetFullPath(Path.Combine(directory, path));

    private static void CheckBatchNames(OutputRulesInput build, List<OutputProblem> problems)
    {
        // Artifacts are named after batches and workflows: one name, compared ignoring case, is one set of files.
        var owners = new Dictionary<string, (string Name, string File, bool Workflow)>(Portable);
        var reported = new HashSet<(string, string)>();
        foreach (var item in build.Items)
        {
            Claim(item.Batch, item.FullPath, workflow: false);
        }

        foreach (var workflow in build.Workflows)
        {
            Claim(Path.GetFileNameWithoutExtension(workflow), Full(build.ProjectDirectory, workflow), workflow: true);
        }

        void Claim(string name, string file, bool workflow)
        {
            if (!owners.TryGetValue(name, out var owner))
            {
                owners[name] = (name, file, workflow);
                return;
            }

            if (!workflow && !owner.Workflow && string.Equals(owner.Name, name, StringComparison.Ordinal))
            {
                return;
            }

            if (!reported.Add((owner.Name, name)))
            {
                return;
            }

            var what = workflow ? $"the workflow '{name}'" : $"Batch '{name}'";
            var other = owner.Workflow ? $"the workflow '{owner.Name}' ({owner.File})" : $"Batch '{owner.Name}' (item {owner.File})";
            problems.Add(new(DiagnosticCodes.OutputCollision, file, $"{what} and {other} would write the same artifacts ({owner.Name}.json…; names are compared ignoring case, as on Windows and macOS): rename one"));
        }
    }

    // The same file twice in one batch is one item when its metadata agree (overlapping globs), and an error when not.
    private static List<int> CheckSameFileTwice(IReadOnlyList<OutputRulesItem> items, List<OutputProblem> problems)
    {
        var first = new Dictionary<(string Batch, string Path), int>();
        var distinct = new List<int>();
        for (var index = 0; index < items.Count; index++)
        {
            var item = items[index];
            var key = (item.Batch, Comparer.Equals(StringComparer.Ordinal) ? item.FullPath : item.FullPath.ToUpperInvariant());
            if (!first.TryGetValue(key, out var earlier))
            {
                first[key] = index;
                distinct.Add(index);
                continue;
            }

            var differing = BuildContract.Metadata.All.Where(m => !string.Equals(items[earlier].Metadata(m), item.Metadata(m), StringComparison.Ordinal)).ToList();
            if (differing.Count > 0)
            {
                problems.Add(new(DiagnosticCodes.OutputCollision, item.FullPath, $"this file is in Batch '{item.Batch}' twice, with different {string.Join(", ", differing)}: one answer would be kept; put it in the batch once, or give the second item its own Batch"));
            }
        }

        return distinct;
    }

    // One OutputFile holds one answer: a second item writing it would replace the first's, build after build.
    private static void CheckOutputFiles(IReadOnlyList<OutputRulesItem> items, IEnumerable<int> distinct, List<OutputProblem> problems)
    {
        var owners = new Dictionary<string, OutputRulesItem>(Portable);
        foreach (var item in distinct.Select(i => items[i]).Where(i => i.OutputFile is not null))
        {
            if (owners.TryGetValue(item.OutputFile!, out var owner))
            {
                problems.Add(new(DiagnosticCodes.OutputCollision, item.FullPath, $"OutputFile '{item.OutputFileAsWritten}' is also the OutputFile of {owner.FullPath} (Batch '{owner.Batch}'; paths are compared ignoring case): one answer would overwrite the other; give each item its own file, e.g. OutputFile=\"summaries/%(RecursiveDir)%(Filename).summary.md\""));
            }
            else
            {
                owners[item.OutputFile!] = item;
            }
        }
    }

    private static bool OperatingSystemIsMac()
    {
#if NETSTANDARD2_0
        return System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.OSX);
#else
        return OperatingSystem.IsMacOS();
#endif
    }
}

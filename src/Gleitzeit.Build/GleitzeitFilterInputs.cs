using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Gleitzeit.Batch.Contract;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Gleitzeit.Build.Tasks;

/// <summary>
/// Runs in every build, before anything else of the package: leaves out of the <c>GleitzeitBatch</c> items every file
/// the package writes (artifacts, OutputFiles, records, the cache), whatever the globs say, so a build never reads its
/// own outputs back; keeps each file once per batch; and fails, before any call, on an OutputFile that would replace
/// an input and on two items, batches or workflows that would write one file (<see cref="OutputRules"/>). Every setting
/// and item's metadata is checked here too (<see cref="SettingChecks"/>), so all problems are reported at once.
/// </summary>
public sealed class GleitzeitFilterInputs : Task
{
    /// <summary>The <c>GleitzeitBatch</c> items as the globs give them.</summary>
    public ITaskItem[] Items { get; set; } = [];

    /// <summary>The <c>GleitzeitWorkflow</c> items.</summary>
    public ITaskItem[] Workflows { get; set; } = [];

    /// <summary>The artifacts' directory.</summary>
    public string OutputDirectory { get; set; } = string.Empty;

    /// <summary>The artifacts' formats, <c>;json;csv;md;</c>.</summary>
    public string Formats { get; set; } = string.Empty;

    /// <summary>The <c>_GleitzeitSetting</c> items: the records', cache's and models' directories are the package's.</summary>
    public ITaskItem[] Settings { get; set; } = [];

    /// <summary>Other files the package writes (the settings file, the manifest).</summary>
    public ITaskItem[] OwnFiles { get; set; } = [];

    /// <summary>Inputs no OutputFile may replace (JSON schemas named by Format).</summary>
    public ITaskItem[] ProtectedInputs { get; set; } = [];

    [Required]
    public string ProjectFile { get; set; } = string.Empty;

    /// <summary>The OutputFiles the last run left (<see cref="WrittenOutputs"/>): an earlier build's answers, not documents.</summary>
    public string WrittenOutputsFile { get; set; } = string.Empty;

    /// <summary>Whether to say how many files were left out (once per build: the outer build of a multi-targeted project).</summary>
    public bool Report { get; set; } = true;

    /// <summary>The items to run.</summary>
    [Output]
    public ITaskItem[] Kept { get; set; } = [];

    public override bool Execute()
    {
        // Every setting and item first (a bad one fails this build and every later one until fixed, before any call).
        SettingChecks.Validate(Log, ProjectFile, Settings, Items);
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!;
        var defaultBatch = Path.GetFileNameWithoutExtension(ProjectFile);
        var items = Items.Select(item =>
        {
            var output = item.GetMetadata(BuildContract.Metadata.OutputFile).Trim();
            var batch = item.GetMetadata(BuildContract.Metadata.Batch).Trim();
            return new OutputRulesItem(
                RealPath.Of(item.GetMetadata("FullPath")),
                batch.Length == 0 ? defaultBatch : batch,
                item.GetMetadata,
                output.Length == 0 ? null : output,
                output.Length == 0 || !ItemRules.IsInside(projectDirectory, output) ? null : RealPath.Of(OutputRules.Full(projectDirectory, output)));
        }).ToList();

        var names = items.Select(i => i.Batch).Concat(Workflows.Select(w => w.GetMetadata("Filename"))).Distinct(StringComparer.Ordinal).ToList();
        var writtenBefore = new HashSet<string>(WrittenOutputs.Listed(WrittenOutputsFile).Select(RealPath.Of), StringComparer.OrdinalIgnoreCase);
        foreach (var name in names.Where(n => ItemRules.BatchNameProblem(n) is null))
        {
            writtenBefore.UnionWith(GleitzeitFiles.OutputFilesListedIn(Path.Combine(OutputDirectory, name + ".json"), projectDirectory).Select(RealPath.Of));
        }

        var check = OutputRules.Check(new OutputRulesInput
        {
            ProjectDirectory = projectDirectory,
            Items = items,
            Workflows = [.. Workflows.Select(w => w.GetMetadata("FullPath"))],
            Artifacts = [.. Artifacts(names).Select(RealPath.Of)],
            OwnFiles = [.. OwnFiles.Select(f => RealPath.Of(f.GetMetadata("FullPath")))],
            OwnDirectories = [.. PackageDirectories.Of(Settings, projectDirectory).Select(RealPath.Of)],
            ProtectedInputs = [.. ProtectedInputs.Select(p => p.GetMetadata("FullPath")).Concat(Workflows.Select(w => w.GetMetadata("FullPath"))).Append(Path.GetFullPath(ProjectFile)).Select(RealPath.Of)],
            WrittenBefore = writtenBefore.Contains,
            IsOwnArtifact = GleitzeitFiles.IsArtifact,
        });

        foreach (var problem in check.Problems)
        {
            Log.LogError(null, problem.Code, null, problem.File, 1, 0, 0, 0, "{0}", problem.Message);
        }

        Kept = [.. check.Kept.Select(i => Items[i])];
        if (Report && check.LeftOut > 0)
        {
            Log.LogMessage(MessageImportance.Normal, "Gleitzeit: {0} file(s) that GleitzeitBatch items match are written by Gleitzeit itself (artifacts, OutputFiles, records, cache) and were left out of the batches", check.LeftOut);
        }

        return !Log.HasLoggedErrors;
    }

    // The artifacts every batch and workflow would write, before any item is left out.
    private List<string> Artifacts(IEnumerable<string> names)
    {
        var extensions = Formats.Split(';').Select(f => f.Trim().ToLowerInvariant()).Where(f => f is "json" or "csv" or "md").ToList();
        var found = new List<string>();
        foreach (var name in names.Distinct(StringComparer.Ordinal).Where(n => ItemRules.BatchNameProblem(n) is null))
        {
            found.AddRange(extensions.Select(extension => Path.Combine(OutputDirectory, name + "." + extension)));
        }

        return found;
    }
}

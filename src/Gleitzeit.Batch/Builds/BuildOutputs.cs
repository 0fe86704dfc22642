using Gleitzeit.Batch.Configuration;

namespace Gleitzeit.Batch.Builds;

/// <summary>
/// Everything a build writes: its artifacts, its items' OutputFiles, and the records', cache's and models' directories.
/// None of it is ever an input, whatever a workflow's directory or pattern says (the MSBuild task leaves such files out
/// of the items already).
/// </summary>
public static class BuildOutputs
{
    /// <summary>Whether a file (absolute) is one the build writes.</summary>
    public static Func<string, bool> Predicate(BuildManifest manifest, BatchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(settings);
        var files = new HashSet<string>(manifest.Outputs.Select(o => Path.GetFullPath(o.Path)), OutputRules.Comparer);
        foreach (var item in manifest.Items)
        {
            if (item.Get(BuildContract.Metadata.OutputFile) is { Length: > 0 } output)
            {
                files.Add(OutputRules.Full(manifest.ProjectDirectory, output));
            }
        }

        var directories = new[] { settings.ResultsDirectory, settings.CacheDirectory, settings.ModelsDirectory }
            .Where(d => !string.IsNullOrWhiteSpace(d))
            .Select(d => Path.GetFullPath(d))
            .ToList();
        return path => files.Contains(path) || directories.Exists(d => OutputRules.IsUnder(d, path));
    }
}

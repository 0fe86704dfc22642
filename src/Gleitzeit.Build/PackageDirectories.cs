using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Gleitzeit.Batch.Contract;
using Microsoft.Build.Framework;

namespace Gleitzeit.Build.Tasks;

/// <summary>The directories the package writes into, as far as a build's properties and environment say: GLEITZEIT_HOME and the records', cache's and models' directories.</summary>
internal static class PackageDirectories
{
    public static IReadOnlyList<string> Of(IEnumerable<ITaskItem> settings, string projectDirectory)
    {
        var found = new List<string>();
        if (Environment.GetEnvironmentVariable("GLEITZEIT_HOME") is { Length: > 0 } home)
        {
            Add(found, home, projectDirectory);
        }

        var keyed = settings.ToDictionary(s => s.ItemSpec, s => s.GetMetadata(BuildContract.ValueAttribute), StringComparer.Ordinal);
        foreach (var setting in new[] { Settings.ResultsDirectory, Settings.CacheDirectory, Settings.ModelsDirectory })
        {
            if (keyed.TryGetValue(setting.Key, out var value) && value.Trim().Length > 0)
            {
                Add(found, value.Trim(), projectDirectory);
            }

            if (Environment.GetEnvironmentVariable(setting.Environment!) is { Length: > 0 } variable)
            {
                Add(found, variable.Trim(), projectDirectory);
            }
        }

        return found;
    }

    private static void Add(List<string> found, string path, string projectDirectory)
    {
        var profile = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var expanded = path == "~" ? profile
            : path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal) ? Path.Combine(profile, path.Substring(2))
            : path;
        try
        {
            found.Add(Path.GetFullPath(Path.Combine(projectDirectory, expanded)));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            // Not a path: the settings check reports it.
        }
    }
}

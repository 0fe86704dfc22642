using System.Collections.Generic;
using System.IO;

namespace Gleitzeit.Batch.Contract;

/// <summary>Which <c>config.yaml</c> files apply to a directory: the user's, then the nearest project one upward.</summary>
public static class ConfigFiles
{
    /// <summary>The files, lowest precedence first.</summary>
    /// <param name="workingDirectory">Where the search upward starts (the project directory for builds).</param>
    /// <param name="gleitzeitHome">The Gleitzeit home (<c>GLEITZEIT_HOME</c> or <c>~/.gleitzeit</c>).</param>
    public static IReadOnlyList<string> Find(string workingDirectory, string gleitzeitHome)
    {
        var files = new List<string>();
        var userConfig = Path.GetFullPath(Path.Combine(gleitzeitHome, "config.yaml"));
        if (File.Exists(userConfig))
        {
            files.Add(userConfig);
        }

        for (var dir = new DirectoryInfo(Path.GetFullPath(workingDirectory)); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.GetFullPath(Path.Combine(dir.FullName, ".gleitzeit", "config.yaml"));
            if (File.Exists(candidate))
            {
                if (!files.Contains(candidate))
                {
                    files.Add(candidate);
                }

                break;
            }
        }

        return files;
    }
}

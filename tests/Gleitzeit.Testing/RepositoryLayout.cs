using System.Diagnostics;

namespace Gleitzeit.Testing;

/// <summary>Where the repository and its built programs are, seen from a test or benchmark assembly.</summary>
public static class RepositoryLayout
{
    /// <summary>The folder holding Gleitzeit.Build.sln.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gleitzeit.Build.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Gleitzeit.Build.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The build configuration the calling assembly was built in (<c>Debug</c>, <c>Release</c>).</summary>
    public static string Configuration() => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    /// <summary>
    /// The CLI as built in its own output folder, with its own deps.json (a copy beside a test assembly would
    /// resolve packages the way the test host does). <c>GLEITZEIT_CLI</c> picks another build.
    /// </summary>
    public static string CliAssembly()
    {
        if (Environment.GetEnvironmentVariable("GLEITZEIT_CLI") is { Length: > 0 } chosen)
        {
            return Path.GetFullPath(chosen);
        }

        var output = new DirectoryInfo(AppContext.BaseDirectory);
        var path = Path.Combine(Root(), "src", "Gleitzeit.Cli", "bin", Configuration(), output.Name, "gleitzeit.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build src/Gleitzeit.Cli first", path);
    }

    /// <summary>
    /// How to start <paramref name="cli"/>: an assembly through <c>dotnet</c>, a native (ahead-of-time compiled)
    /// executable directly. Output is redirected; the arguments still have to be added.
    /// </summary>
    public static ProcessStartInfo CliStartInfo(string cli)
    {
        var isAssembly = cli.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var info = Signals.StartInfo(isAssembly ? "dotnet" : cli);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        if (isAssembly)
        {
            info.ArgumentList.Add(cli);
        }

        return info;
    }
}

using System.Diagnostics;
using System.Globalization;
using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>Packs Gleitzeit.Build once, at a unique version, into a temporary folder feed shared by every end-to-end test.</summary>
public sealed class PackedFeed : IDisposable
{
    public PackedFeed()
    {
        Root = Path.Combine(Path.GetTempPath(), "gleitzeit-e2e", Guid.NewGuid().ToString("N"));
        Feed = Path.Combine(Root, "feed");
        Packages = Path.Combine(Root, "packages");
        Directory.CreateDirectory(Feed);
        Version = "0.0.0-e2e." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        var repository = RepositoryLayout.Root();
        var configuration = RepositoryLayout.Configuration();
        var result = Dotnet.Run(repository, null, "pack", Path.Combine(repository, "src", "Gleitzeit.Build"), "-c", configuration, "--no-build", $"-p:Version={Version}", "-o", Feed);
        if (result.ExitCode != 0 || !File.Exists(Path.Combine(Feed, $"Gleitzeit.Build.{Version}.nupkg")))
        {
            throw new InvalidOperationException("packing Gleitzeit.Build failed:\n" + result.Output);
        }
    }

    public string Root { get; }

    public string Feed { get; }

    /// <summary>An isolated NUGET_PACKAGES, so the tests never see another copy of the package.</summary>
    public string Packages { get; }

    public string Version { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PackedFeedCollection : ICollectionFixture<PackedFeed>
{
    public const string Name = "packed feed";
}

/// <summary>Runs the dotnet CLI as a child process, with MSBuild's own variables of the test host removed.</summary>
public static class Dotnet
{
    public static DotnetResult Run(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish in 5 minutes");
        }

        return new DotnetResult(process.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>Exit code and combined output of a dotnet command.</summary>
public sealed record DotnetResult(int ExitCode, string Output)
{
    public override string ToString() => $"exit {ExitCode}\n{Output}";
}

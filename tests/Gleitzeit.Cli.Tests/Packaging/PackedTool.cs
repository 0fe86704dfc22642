using Gleitzeit.Testing;

namespace Gleitzeit.Cli.Tests.Packaging;

/// <summary>
/// Packs the CLI once with a plain <c>dotnet pack</c>, at a unique version, into a temporary folder feed, and installs it
/// from there with <c>dotnet tool install --tool-path</c>, as a user would. Builds under its own artifacts path, so the
/// repository's bin/obj (which other test assemblies run from) are not touched.
/// </summary>
public sealed class PackedTool : TemporaryFeed
{
    public PackedTool()
        : base("gleitzeit-tool-tests", "tool")
    {
        Tools = Path.Combine(Root, "tools");
        var repository = RepositoryLayout.Root();
        var pack = Dotnet.Run(
            repository,
            null,
            TimeSpan.FromMinutes(15),
            "pack",
            Path.Combine(repository, "src", "Gleitzeit.Cli"),
            "-c",
            RepositoryLayout.Configuration(),
            $"-p:Version={Version}",
            "-o",
            Feed,
            "--artifacts-path",
            Path.Combine(Root, "artifacts"));
        if (pack.ExitCode != 0)
        {
            throw new InvalidOperationException("packing Gleitzeit.Cli failed:\n" + pack.Output);
        }

        var install = Dotnet.Run(
            Root,
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(Root, "packages") },
            "tool",
            "install",
            "Gleitzeit.Cli",
            "--tool-path",
            Tools,
            "--add-source",
            Feed,
            "--version",
            Version);
        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException("installing Gleitzeit.Cli failed:\n" + install.Output);
        }
    }

    public string Tools { get; }

    /// <summary>The command <c>dotnet tool install</c> put on the tool path.</summary>
    public string Command => Path.Combine(Tools, "gleitzeit");
}

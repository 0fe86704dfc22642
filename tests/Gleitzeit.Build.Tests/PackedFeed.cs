using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>Packs Gleitzeit.Build once, at a unique version, into a temporary folder feed shared by every end-to-end test.</summary>
public sealed class PackedFeed : TemporaryFeed
{
    public PackedFeed()
        : base("gleitzeit-e2e", "e2e")
    {
        Packages = Path.Combine(Root, "packages");
        var repository = RepositoryLayout.Root();
        var configuration = RepositoryLayout.Configuration();
        // The pack compiles the native worker ahead of time: minutes on a loaded 2-core machine.
        var result = Dotnet.Run(repository, null, TimeSpan.FromMinutes(15), "pack", Path.Combine(repository, "src", "Gleitzeit.Build"), "-c", configuration, "--no-build", $"-p:Version={Version}", "-o", Feed);
        if (result.ExitCode != 0 || !File.Exists(Package("Gleitzeit.Build")))
        {
            throw new InvalidOperationException("packing Gleitzeit.Build failed:\n" + result.Output);
        }
    }

    /// <summary>An isolated NUGET_PACKAGES, so the tests never see another copy of the package.</summary>
    public string Packages { get; }
}

[CollectionDefinition(Name)]
public sealed class PackedFeedCollection : ICollectionFixture<PackedFeed>
{
    public const string Name = "packed feed";
}

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

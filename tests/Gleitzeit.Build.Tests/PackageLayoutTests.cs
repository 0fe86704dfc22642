using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>What the package carries of llama.cpp: every platform's build once, beside the portable worker.</summary>
[Collection(PackedFeedCollection.Name)]
public sealed class PackageLayoutTests(PackedFeed feed)
{
    [Fact]
    public void Package_CarriesEveryPlatformsLlamaCppOnce_BesideThePortableWorker_UnderTheLimit_AtTheSizeTheReadmeGives()
    {
        var package = feed.Package("Gleitzeit.Build");

        Assert.Empty(LlamaLayout.Problems(LlamaLayout.FromPackage(package, "tools/net10.0/llama/"), LlamaLayout.Files.Keys));

        // The native worker (tools/linux-x64/) finds them there: no second copy.
        Assert.All(LlamaLayout.LlamaEntries(package), e => Assert.StartsWith("tools/net10.0/llama/", e, StringComparison.Ordinal));
        Assert.InRange(new FileInfo(package).Length, 1, LlamaLayout.PackageLimitBytes);
        ReadmePackageSizes.AssertTrue("Gleitzeit.Build", package);
    }

    [Fact]
    public void Package_HasTheMetadataOfTheEcosystemsBestPackages_AndItsTaskSymbolsNameNoBuildMachinePath()
    {
        var package = feed.Package("Gleitzeit.Build");

        Assert.Empty(PackageMetadata.Problems(package));
        Assert.True(File.Exists(Path.Combine(RepositoryLayout.Root(), "LICENSE")), "LICENSE in the repository");
        var documents = PackageMetadata.EmbeddedPdbDocuments(PackageMetadata.Entry(package, "tasks/netstandard2.0/Gleitzeit.Build.dll"));
        Assert.NotEmpty(documents);
        Assert.All(documents, d => Assert.StartsWith("/_/", d, StringComparison.Ordinal));
    }
}

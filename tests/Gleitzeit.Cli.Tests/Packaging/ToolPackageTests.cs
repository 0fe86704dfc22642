using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Gleitzeit.Testing;

namespace Gleitzeit.Cli.Tests.Packaging;

/// <summary>What <c>dotnet tool install</c> gives a user: the native program on linux-x64, the portable one elsewhere.</summary>
public sealed class ToolPackageTests : IClassFixture<PackedTool>, IAsyncLifetime
{
    private readonly PackedTool _tool;
    private OllamaTestServer _server = null!;
    private string _work = null!;

    public ToolPackageTests(PackedTool tool) => _tool = tool;

    public async Task InitializeAsync()
    {
        _server = await OllamaTestServer.StartAsync(4);
        _work = Path.Combine(_tool.Root, "work-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(_work, "docs"));
        File.WriteAllText(Path.Combine(_work, "docs", "meeting_notes.txt"), "Meeting notes: ship on Friday.");
        File.WriteAllText(Path.Combine(_work, "docs", "sample_story.txt"), "Once upon a time a compiler dreamed.");
        File.WriteAllText(Path.Combine(_work, "docs", "technical_spec.txt"), "The system shall cache by content hash.");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [LinuxX64Fact]
    public void PlainPack_MakesThePointer_ThePortableAndTheNativePackage()
    {
        var settings = XDocument.Parse(Entry(_tool.Package("Gleitzeit.Cli"), "tools/any/any/DotnetToolSettings.xml"));
        var runtimes = settings.Descendants("RuntimeIdentifierPackage").Select(p => (string)p.Attribute("RuntimeIdentifier")!).ToList();
        Assert.Equal(["linux-x64", "linux-musl-x64", "any"], runtimes);

        var portable = Entries(_tool.Package("Gleitzeit.Cli.any"));
        Assert.Contains("tools/net10.0/any/gleitzeit.dll", portable);

        var native = Entries(_tool.Package("Gleitzeit.Cli.linux-x64"));
        Assert.Contains("tools/any/linux-x64/gleitzeit", native);
        Assert.DoesNotContain(native, e => e.EndsWith(".dll", StringComparison.Ordinal) || e.EndsWith(".dbg", StringComparison.Ordinal) || e.EndsWith(".pdb", StringComparison.Ordinal));
    }

    [LinuxX64Fact]
    public void Alpine_GetsAFrameworkDependentProgram_LinkedAgainstMusl()
    {
        // Without a package of its own, linux-musl-x64 would fall back to linux-x64: a glibc program that cannot start there.
        var musl = _tool.Package("Gleitzeit.Cli.linux-musl-x64");
        Assert.Contains("tools/net10.0/linux-musl-x64/gleitzeit.dll", Entries(musl));
        Assert.Contains("\"name\": \"Microsoft.NETCore.App\"", Entry(musl, "tools/net10.0/linux-musl-x64/gleitzeit.runtimeconfig.json"), StringComparison.Ordinal);
        using var zip = ZipFile.OpenRead(musl);
        using var apphost = new MemoryStream();
        using (var entry = zip.GetEntry("tools/net10.0/linux-musl-x64/gleitzeit")!.Open())
        {
            entry.CopyTo(apphost);
        }

        Assert.True(apphost.ToArray().AsSpan().IndexOf("/lib/ld-musl-x86_64.so.1"u8) >= 0, "the launcher should ask for the musl loader");
    }

    [LinuxX64Fact]
    public void EachToolPackage_CarriesItsRuntimesLlamaCpp_AndNoOthers_UnderTheLimit_AtTheSizeTheReadmeGives()
    {
        // The portable package serves every platform; a runtime's own package only that runtime.
        var packages = new[]
        {
            ("Gleitzeit.Cli.any", "tools/net10.0/any/llama/", LlamaLayout.Files.Keys.ToArray()),
            ("Gleitzeit.Cli.linux-x64", "tools/any/linux-x64/llama/", new[] { "linux-x64" }),
            ("Gleitzeit.Cli.linux-musl-x64", "tools/net10.0/linux-musl-x64/llama/", new[] { "linux-musl-x64" }),
        };
        foreach (var (id, prefix, runtimes) in packages)
        {
            var package = _tool.Package(id);

            Assert.Empty(LlamaLayout.Problems(LlamaLayout.FromPackage(package, prefix), runtimes));
            Assert.All(LlamaLayout.LlamaEntries(package), e => Assert.StartsWith(prefix, e, StringComparison.Ordinal));
            Assert.InRange(new FileInfo(package).Length, 1, LlamaLayout.PackageLimitBytes);
            ReadmePackageSizes.AssertTrue(id, package);
        }
    }

    [LinuxX64Fact]
    public void EachToolPackage_HasTheMetadataOfTheEcosystemsBestPackages()
    {
        foreach (var id in new[] { "Gleitzeit.Cli", "Gleitzeit.Cli.any", "Gleitzeit.Cli.linux-x64", "Gleitzeit.Cli.linux-musl-x64" })
        {
            Assert.Empty(PackageMetadata.Problems(_tool.Package(id)).Select(p => id + ": " + p));
        }
    }

    [LinuxX64Fact]
    public async Task InstalledTool_IsNative_AndRunsABatchToTheEnd()
    {
        var program = new FileInfo(_tool.Command).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? _tool.Command;
        var header = new byte[4];
        using (var file = File.OpenRead(program))
        {
            file.ReadExactly(header);
        }

        Assert.Equal("\u007fELF"u8.ToArray(), header);

        var version = await RunAsync("--version");
        Assert.StartsWith(_tool.Version, version.Out, StringComparison.Ordinal);

        var result = await RunAsync("batch", "docs", "--pattern", "*.txt", "--output", "results.csv");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, _server.ChatRequests.Count);
        Assert.All(_server.ChatRequests, c => Assert.StartsWith("Analyze this file\n\nFile content from ", c.UserContent, StringComparison.Ordinal));
        var csv = File.ReadAllLines(Path.Combine(_work, "results.csv"));
        Assert.Equal(4, csv.Length);

        _server.ClearLog();
        var again = await RunAsync("batch", "docs", "--pattern", "*.txt");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Empty(_server.ChatRequests);
    }

    [LinuxX64Fact]
    public async Task InstalledTool_WithNoServer_ExitsTwoWithTheHint()
    {
        var result = await RunAsync("batch", "docs", "--endpoint", "http://127.0.0.1:1", "--retries", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ollama serve", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    private async Task<CliResult> RunAsync(params string[] args)
    {
        var info = RepositoryLayout.CliStartInfo(_tool.Command);
        info.WorkingDirectory = _work;
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["GLEITZEIT_HOME"] = Path.Combine(_work, "home");
        info.Environment["OLLAMA_HOST"] = _server.Endpoint;
        info.Environment["CI"] = "true";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    private static List<string> Entries(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        return [.. zip.Entries.Select(e => e.FullName)];
    }

    private static string Entry(string package, string name)
    {
        using var zip = ZipFile.OpenRead(package);
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }
}

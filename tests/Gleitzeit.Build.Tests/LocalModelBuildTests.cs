using System.Diagnostics;
using System.Text.Json;
using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>
/// <c>GleitzeitProvider=local</c> in real builds: the model (a tiny random-weight GGUF made here) runs inside the
/// build's worker with no server. Its text is noise: the tests count tokens.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class LocalModelBuildTests(PackedFeed feed) : IAsyncLifetime
{
    private const string Items = """
        <GleitzeitBatch Include="docs/**/*.md" Batch="doc-summaries" Prompt="Summarize in one sentence." Seed="7" />
        """;

    private OllamaTestServer _server = null!;
    private ConsumerProject _project = null!;

    public async Task InitializeAsync()
    {
        _server = await OllamaTestServer.StartAsync();
        _project = new ConsumerProject(feed, _server);
        _project.Write("docs/alpha.md", "# Alpha\nApples are red.\n");
        _project.Write("docs/beta.md", "# Beta\nBananas are yellow.\n");
        _project.Write("docs/gamma.md", "# Gamma\nGrapes are green.\n");
        Directory.CreateDirectory(Path.Combine(_project.Directory, "models"));
        TinyGguf.Write(Path.Combine(_project.Directory, "models", "tiny.gguf"), new TinyGgufOptions { ContextLength = 32768 });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void AModelFileRelativeToTheProject_AnswersEveryItem_IsCachedAcrossACleanBuild_AndReplacingItReRunsTheTarget()
    {
        _project.WriteProject(Items, "<GleitzeitProvider>local</GleitzeitProvider><GleitzeitModel>models/tiny.gguf</GleitzeitModel>");

        // Started from the folder above the project, as `dotnet build samples/DocsSummaries` is: the path is the project's.
        var first = Dotnet.Run(_project.Root, _project.Environment(), "build", _project.Directory, "-nr:false", "-v:n", $"-p:GleitzeitBuildVersion={feed.Version}");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Empty(_server.Requests);
        using (var record = JsonDocument.Parse(File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(_project.Home, "batch_results"), "*.json")))))
        {
            var results = record.RootElement.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal(3, results.Count(r => r.GetProperty("status").GetString() == "success"));
            Assert.All(results, r => Assert.True(r.GetProperty("tokens").GetProperty("completion").GetInt32() > 0 && r.GetProperty("tokens").GetProperty("prompt").GetInt32() > 0, r.ToString()));
        }

        Assert.Equal(0, _project.Clean().ExitCode);
        var locked = _project.Build($"-p:GleitzeitBuildVersion={feed.Version}", "-p:GleitzeitCacheMode=Locked");
        Assert.True(locked.ExitCode == 0, locked.ToString());
        Assert.Contains("3 from cache, 0 sent", locked.Output, StringComparison.Ordinal);

        TinyGguf.Write(Path.Combine(_project.Directory, "models", "tiny.gguf"), new TinyGgufOptions { ContextLength = 32768, Seed = 2 });
        var replaced = _project.Build($"-p:GleitzeitBuildVersion={feed.Version}");

        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.Contains("0 from cache, 3 sent", replaced.Output, StringComparison.Ordinal);

        var lockedAfterReplace = _project.Build($"-p:GleitzeitBuildVersion={feed.Version}", "-p:GleitzeitCacheMode=Locked", "--no-incremental");
        Assert.True(lockedAfterReplace.ExitCode == 0, lockedAfterReplace.ToString());
    }

    [Fact]
    public void LockedModeWithAnotherModelFile_FailsEveryItemAsAMiss_AndRunsNoModel()
    {
        _project.WriteProject(Items, "<GleitzeitProvider>local</GleitzeitProvider><GleitzeitModel>models/tiny.gguf</GleitzeitModel>");
        Assert.Equal(0, _project.Build($"-p:GleitzeitBuildVersion={feed.Version}").ExitCode);
        TinyGguf.Write(Path.Combine(_project.Directory, "models", "other.gguf"), new TinyGgufOptions { ContextLength = 32768, Seed = 3 });

        var locked = _project.Build($"-p:GleitzeitBuildVersion={feed.Version}", "-p:GleitzeitCacheMode=Locked", "-p:GleitzeitModel=models/other.gguf");

        Assert.NotEqual(0, locked.ExitCode);
        var misses = locked.Output.Split('\n').Where(l => l.Contains("error GZ3003", StringComparison.Ordinal)).ToList();
        Assert.All(new[] { "alpha.md", "beta.md", "gamma.md" }, doc => Assert.Contains(misses, l => l.Contains(doc, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TerminatingTheBuild_InTheMiddleOfAGeneration_EndsItWithinSeconds_AndLeavesNoWorker()
    {
        TinyGguf.Write(Path.Combine(_project.Directory, "models", "endless.gguf"), EndlessGeneration.Model);
        _project.Write("long.yaml", EndlessGeneration.Workflow("notes"));
        _project.WriteProject("""<GleitzeitWorkflow Include="long.yaml" />""", "<GleitzeitProvider>local</GleitzeitProvider><GleitzeitModel>models/endless.gguf</GleitzeitModel><GleitzeitContextLength>65536</GleitzeitContextLength><GleitzeitTimeoutPerFile>600</GleitzeitTimeoutPerFile>");
        using var build = _project.StartBuild($"-p:GleitzeitBuildVersion={feed.Version}");
        var output = build.StandardOutput.ReadToEndAsync();
        var errors = build.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (_project.Workers().Count == 0 && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(50);
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(build.HasExited, "the build ended before the generation could be interrupted");
        var terminated = Stopwatch.StartNew();
        Assert.Equal(0, Signals.SendTerminate(build.Id));
        Assert.True(build.WaitForExit(TimeSpan.FromSeconds(60)), "the build did not end after SIGTERM");
        var ended = terminated.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(1));
        var text = await output + await errors;

        Assert.True(ended < TimeSpan.FromSeconds(15), $"ended {ended} after SIGTERM\n{text}");
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error GZ4001", text, StringComparison.Ordinal);
        Assert.Empty(_project.Workers());
    }
}

using System.Diagnostics;
using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>"Build succeeded" means the artifacts are current and complete: settings that change answers re-run the target,
/// bad values fail every build until fixed, the worker never outlives its build, artifacts stay where they belong.</summary>
[Collection(PackedFeedCollection.Name)]
public sealed class TrustedBuildTests(PackedFeed feed) : IAsyncLifetime
{
    private const string Items = """<GleitzeitBatch Include="docs/**/*.md" Batch="doc-summaries" Prompt="Summarize this document in two sentences." />""";
    private OllamaTestServer _server = null!;
    private ConsumerProject _project = null!;

    public async Task InitializeAsync()
    {
        _server = await OllamaTestServer.StartAsync();
        _server.AddModel("phi3:latest");
        _project = new ConsumerProject(feed, _server);
        _project.WriteProject(Items);
        _project.Write("docs/alpha.md", "# Alpha\nApples are red.\n");
        _project.Write("docs/beta.md", "# Beta\nBananas are yellow.\n");
        _project.Write("docs/guides/gamma.md", "# Gamma\nCherries are dark.\n");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static void Succeeded(DotnetResult result) => Assert.True(result.ExitCode == 0, result.ToString());

    [Fact]
    public void ModelChangedInConfigFileOrEnvironment_RunsTheTargetAgain()
    {
        Succeeded(_project.Build());
        _server.ClearLog();

        _project.Write(".gleitzeit/config.yaml", "batch:\n  model: \"phi3:latest\"\n");
        var config = _project.Build();

        Succeeded(config);
        Assert.DoesNotContain("Skipping target \"GleitzeitRun\"", config.Output, StringComparison.Ordinal);
        Assert.Equal(3, _server.ChatRequests.Count);
        Assert.All(_server.ChatRequests, c => Assert.Equal("phi3:latest", c.Model));
        File.Delete(Path.Combine(_project.Directory, ".gleitzeit", "config.yaml"));
        Succeeded(_project.Build());
        _server.ClearLog();

        var environment = _project.BuildWith(new Dictionary<string, string> { ["GLEITZEIT_MODEL"] = "phi3:latest" });

        Succeeded(environment);
        Assert.Empty(_server.ChatRequests);
        Assert.Contains("3 items, 3 from cache", environment.Output, StringComparison.Ordinal);
        Assert.Contains("phi3:latest", File.ReadAllText(_project.Artifact("doc-summaries.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidItemMetadata_FailsBeforeAnyCall_AndEveryBuildUntilFixed()
    {
        _project.WriteProject(Items + """<GleitzeitBatch Include="extra.md" Batch="doc-summaries" Prompt="Summarize." Temperature="hot" />""");
        _project.Write("extra.md", "# Extra\n");

        for (var build = 0; build < 2; build++)
        {
            var result = _project.Build();

            Assert.NotEqual(0, result.ExitCode);
            Assert.Matches(@"extra\.md\(1\): error GZ1002: invalid value 'hot' for Temperature", result.Output);
            Assert.Empty(_server.ChatRequests);
        }
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("json;xml")]
    public void UnknownArtifactFormat_FailsBeforeAnyCall(string formats)
    {
        var result = _project.Build($"-p:GleitzeitFormats={formats.Replace(";", "%3B", StringComparison.Ordinal)}");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(@"Docs\.csproj\s*:\s*error GZ1002: invalid value 'json;xml|xml' for GleitzeitFormats: expected one or more of json, csv, md", result.Output);
        Assert.Empty(_server.ChatRequests);
    }

    [Theory]
    [InlineData("../../../../tmp/escape")]
    [InlineData("a/b")]
    [InlineData("con")]
    [InlineData("what?")]
    public void BatchNameThatIsNotAPlainFileName_IsRejectedNamingTheItem(string batch)
    {
        _project.WriteProject($"""<GleitzeitBatch Include="docs/alpha.md" Batch="{batch}" Prompt="Summarize." />""");

        var result = _project.Build();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(@"alpha\.md\(1\): error GZ1002: Batch", result.Output);
        Assert.Empty(_server.ChatRequests);
        Assert.False(File.Exists("/tmp/escape.json"));
    }

    [Fact]
    public void OutputFileOutsideTheProject_IsRejected_AndAFailedItemsOutputFileIsRemoved()
    {
        _project.WriteProject("""<GleitzeitBatch Include="docs/alpha.md" Prompt="Summarize." OutputFile="../outside.txt" />""");
        var outside = _project.Build();
        Assert.NotEqual(0, outside.ExitCode);
        Assert.Contains("for OutputFile: it must be a file inside the project's folder", outside.Output, StringComparison.Ordinal);

        _project.WriteProject("""<GleitzeitBatch Include="docs/alpha.md" Prompt="Summarize." OutputFile="summaries/alpha.txt" />""");
        Succeeded(_project.Build());
        var output = Path.Combine(_project.Directory, "summaries", "alpha.txt");
        Assert.StartsWith("Reply ", File.ReadAllText(output), StringComparison.Ordinal);
        _project.Write("docs/alpha.md", "# Alpha\nApples are green now.\n");
        _server.InjectFault(ServerFault.BadRequest, times: 5);

        var failed = _project.Build();

        Assert.NotEqual(0, failed.ExitCode);
        Assert.False(File.Exists(output));
        Assert.Matches(@"alpha\.txt\(1\): warning GZ3005: removed", failed.Output);
    }

    [Fact]
    public void FileOverTheSizeLimit_IsSkippedOnce_AndTheNextBuildIsUpToDate()
    {
        _project.WriteProject(Items, "<GleitzeitMaxFileSize>30</GleitzeitMaxFileSize>");
        _project.Write("docs/big.md", new string('x', 100));

        var first = _project.Build();

        Succeeded(first);
        Assert.Matches(@"big\.md\(1\): warning GZ3001: .*raise GleitzeitMaxFileSize", first.Output);
        var records = Directory.GetFiles(Path.Combine(_project.Home, "batch_results"), "batch_*.json").Length;

        var second = _project.Build();

        Succeeded(second);
        Assert.Contains("Skipping target \"GleitzeitRun\" because all output files are up-to-date", second.Output, StringComparison.Ordinal);
        Assert.Equal(records, Directory.GetFiles(Path.Combine(_project.Home, "batch_results"), "batch_*.json").Length);
    }

    [Fact]
    public void Artifacts_HoldNoAbsolutePathsAndNoServerAddress()
    {
        _project.WriteProject(Items + """<GleitzeitBatch Include="docs/missing.md" Batch="doc-summaries" Prompt="Summarize this document in two sentences." />""");
        _server.InjectFault(ServerFault.InternalError, times: 10, match: "Bananas");

        var result = _project.Build();

        Assert.NotEqual(0, result.ExitCode);
        foreach (var artifact in new[] { "doc-summaries.json", "doc-summaries.csv", "doc-summaries.md" })
        {
            var text = File.ReadAllText(_project.Artifact(artifact));
            Assert.Contains("docs/missing.md", text, StringComparison.Ordinal);
            Assert.Contains("server error 500", text, StringComparison.Ordinal);
            Assert.DoesNotContain(_project.Directory, text, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void KilledBuild_TheWorkerEndsWithinSeconds_AndNoMoreCallsAreMade()
    {
        for (var i = 0; i < 30; i++)
        {
            _project.Write($"docs/many/doc{i:00}.md", $"# Doc {i}\nText {i}.\n");
        }

        _server.Latency = TimeSpan.FromMilliseconds(400);
        using var build = _project.StartBuild("-p:GleitzeitMaxConcurrency=2");
        var clock = Stopwatch.StartNew();
        while (_server.ChatRequests.Count < 2 && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            Thread.Sleep(50);
        }

        Assert.True(_server.ChatRequests.Count >= 2, "the build never reached the model");
        build.Kill();
        build.WaitForExit(TimeSpan.FromSeconds(30));
        Thread.Sleep(TimeSpan.FromSeconds(2.5));
        var afterKill = _server.ChatRequests.Count;

        Thread.Sleep(TimeSpan.FromSeconds(2));

        Assert.Equal(afterKill, _server.ChatRequests.Count);
        Assert.Empty(_project.Workers());
        Assert.True(afterKill < 33, $"{afterKill} calls: the worker went on after its build was killed");
    }

    [Fact]
    public void CheckModels_NoticesAModelPulledAgain_WhichANoOpBuildDoesNot()
    {
        Succeeded(_project.Build());
        _server.AddModel("llama3.2:latest", "sha256:" + new string('e', 64));
        _server.ClearLog();

        var noOp = _project.Build();

        Succeeded(noOp);
        Assert.Empty(_server.Requests);

        var checkedBuild = _project.Build("-p:GleitzeitCheckModels=true");

        Succeeded(checkedBuild);
        Assert.Equal(3, _server.ChatRequests.Count);
    }

    [Fact]
    public void ManyItemsWithOneLongPrompt_TheManifestHoldsThePromptOnce()
    {
        var prompt = "Summarize this document. " + string.Concat(Enumerable.Repeat("Be precise and kind. ", 100));
        _project.WriteProject($"""<GleitzeitBatch Include="docs/**/*.md" Prompt="{prompt}" />""");
        for (var i = 0; i < 40; i++)
        {
            _project.Write($"docs/more/doc{i:00}.md", $"# Doc {i}\n");
        }

        Succeeded(_project.Build());

        var obj = Path.Combine(_project.Directory, "obj", "Debug", "net10.0");
        var manifest = File.ReadAllText(Path.Combine(obj, "gleitzeit.manifest.xml"));
        Assert.Equal(1, (manifest.Length - manifest.Replace(prompt, string.Empty, StringComparison.Ordinal).Length) / prompt.Length);
        Assert.True(new FileInfo(Path.Combine(obj, "gleitzeit.settings.cache")).Length < 200);
    }

    [Fact]
    public void OutputDirectoryWithoutATrailingSlash_IsStillADirectoryForTheUpToDateCheck()
    {
        _project.WriteProject(Items, "<GleitzeitOutputDirectory>reports</GleitzeitOutputDirectory>");

        Succeeded(_project.Build());
        var items = Dotnet.Run(_project.Directory, _project.Environment(), "msbuild", "-nr:false", "-getItem:UpToDateCheckOutput");

        Succeeded(items);
        Assert.True(items.Output.Replace('\\', '/').Contains("reports/doc-summaries.json", StringComparison.Ordinal), items.Output);
        Assert.True(File.Exists(Path.Combine(_project.Directory, "reports", "doc-summaries.json")));
    }

    [Fact]
    public void MultiTargetedProject_RunsOncePerBuild_WhicheverFrameworksAreBuilt_AndFeedsEveryOne()
    {
        _project.UseGlobalPackagesAsSource();
        _project.WriteProject(Items, "<GleitzeitAddOutputsTo>EmbeddedResource</GleitzeitAddOutputsTo>", "netstandard2.0;net10.0");

        var one = _project.Build("-f", "net10.0");

        Succeeded(one);
        Assert.Equal(3, _server.ChatRequests.Count);
        var artifact = Path.Combine(_project.Directory, "bin", "Debug", "gleitzeit", "doc-summaries.json");
        Assert.True(File.Exists(artifact));
        _server.ClearLog();

        var all = _project.Build();

        Succeeded(all);
        Assert.Empty(_server.ChatRequests);
        foreach (var framework in new[] { "netstandard2.0", "net10.0" })
        {
            var assembly = File.ReadAllBytes(Path.Combine(_project.Directory, "bin", "Debug", framework, "Docs.dll"));
            Assert.True(assembly.AsSpan().IndexOf("gleitzeit/doc-summaries.json"u8) >= 0, $"{framework} lacks the embedded artifact");
        }

        _project.Write("docs/beta.md", "# Beta\nBananas are curved.\n");
        var edited = _project.Build();

        Succeeded(edited);
        Assert.Equal(["docs/beta.md"], _server.ChatRequests.Select(c => c.FileName));
    }

    [Fact]
    public async Task TerminatedBuild_DoesNotEndInSuccess_AndTheWorkerEnds()
    {
        for (var i = 0; i < 20; i++)
        {
            _project.Write($"docs/many/doc{i:00}.md", $"# Doc {i}\nText {i}.\n");
        }

        _server.Latency = TimeSpan.FromMilliseconds(400);
        using var build = _project.StartBuild("-p:GleitzeitMaxConcurrency=2");
        var output = build.StandardOutput.ReadToEndAsync();
        var errors = build.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (_server.ChatRequests.Count < 2 && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            Thread.Sleep(50);
        }

        Assert.Equal(0, Signals.SendTerminate(build.Id));
        Assert.True(build.WaitForExit(TimeSpan.FromSeconds(60)), "the build did not end after SIGTERM");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var text = await output + await errors;

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error GZ4001", text, StringComparison.Ordinal);
        Assert.Empty(_project.Workers());
        Assert.True(_server.ChatRequests.Count < 23, text);
    }

    [Fact]
    public void CredentialsInTheEndpointProperty_ReachTheServer_AndNoFileOrOutputOfTheBuild()
    {
        var canary = new SecretCanary();
        _server.RequiredBasicAuth = "reader:" + canary.Value;
        var endpoint = _server.Endpoint.Replace("http://", $"http://reader:{canary.Value}@", StringComparison.Ordinal);

        _project.WriteProject(Items, "<GleitzeitEndpoint>$(SUMMARY_SERVER)</GleitzeitEndpoint>");

        var result = _project.BuildWith(new Dictionary<string, string> { ["SUMMARY_SERVER"] = endpoint });

        Succeeded(result);
        Assert.Equal(3, _server.ChatRequests.Count);
        canary.AssertNowhere([_project.Directory, _project.Home], result.Output);
    }
}

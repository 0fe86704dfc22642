using System.Runtime.InteropServices;
using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

[Collection(PackedFeedCollection.Name)]
public sealed class IncrementalBuildTests(PackedFeed feed) : IAsyncLifetime
{
    private const string Items = """<GleitzeitBatch Include="docs/**/*.md" Batch="doc-summaries" Prompt="Summarize this document in two sentences." />""";
    private OllamaTestServer _server = null!;
    private ConsumerProject _project = null!;

    public async Task InitializeAsync()
    {
        _server = await OllamaTestServer.StartAsync();
        _project = new ConsumerProject(feed, _server);
        _project.WriteProject(Items);
        _project.Write("docs/alpha.md", "# Alpha\nApples are red.\n");
        _project.Write("docs/beta.md", "# Beta\nBananas are yellow.\n");
        _project.Write("docs/guides/gamma.md", "# Gamma\nCherries are dark.\n");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void FirstBuildSendsEachFileOnce_UnchangedRebuildSendsNothing_OneEditSendsOne()
    {
        var first = _project.Build();

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(["docs/alpha.md", "docs/beta.md", "docs/guides/gamma.md"], _server.ChatRequests.Select(c => c.FileName).Order(StringComparer.Ordinal));
        Assert.Equal("Summarize this document in two sentences.\n\nFile content from docs/alpha.md:\n# Alpha\nApples are red.\n", _server.ChatRequests.Single(c => c.FileName == "docs/alpha.md").UserContent);
        Assert.Contains("Gleitzeit batch 'doc-summaries': 3 items, 0 from cache, 3 sent, 0 failed", first.Output, StringComparison.Ordinal);
        foreach (var artifact in new[] { "doc-summaries.json", "doc-summaries.csv", "doc-summaries.md" })
        {
            Assert.True(File.Exists(_project.Artifact(artifact)), artifact);
        }

        var json = File.ReadAllText(_project.Artifact("doc-summaries.json"));
        Assert.Contains("\"batch_id\": \"doc-summaries\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("batch_20", json, StringComparison.Ordinal);
        _server.ClearLog();

        var unchanged = _project.Build();

        Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
        Assert.Empty(_server.Requests);
        Assert.Contains("Skipping target \"GleitzeitRun\" because all output files are up-to-date", unchanged.Output, StringComparison.Ordinal);

        var before = File.ReadAllLines(_project.Artifact("doc-summaries.csv"));
        _project.Write("docs/beta.md", "# Beta\nBananas are yellow and curved.\n");

        var edited = _project.Build();

        Assert.True(edited.ExitCode == 0, edited.ToString());
        Assert.Equal(["docs/beta.md"], _server.ChatRequests.Select(c => c.FileName));
        var after = File.ReadAllLines(_project.Artifact("doc-summaries.csv"));
        Assert.Equal([before[2]], before.Except(after));
        Assert.StartsWith("docs/beta.md,", after.Except(before).Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void ChangedPromptOptionOrModel_ResendsEveryItem()
    {
        Assert.Equal(0, _project.Build().ExitCode);
        _server.ClearLog();

        _project.WriteProject(Items.Replace("two sentences", "one sentence", StringComparison.Ordinal));
        Assert.Equal(0, _project.Build().ExitCode);
        Assert.Equal(3, _server.ChatRequests.Count);
        Assert.All(_server.ChatRequests, c => Assert.StartsWith("Summarize this document in one sentence.", c.UserContent, StringComparison.Ordinal));
        _server.ClearLog();

        _project.WriteProject(Items.Replace("/>", "Temperature=\"0.2\" />", StringComparison.Ordinal));
        Assert.Equal(0, _project.Build().ExitCode);
        Assert.Equal(3, _server.ChatRequests.Count);
        Assert.All(_server.ChatRequests, c => Assert.Equal(0.2, c.Options!["temperature"]!.GetValue<double>(), 3));
        _server.ClearLog();

        _server.AddModel("phi3:latest");
        var model = _project.Build("-p:GleitzeitModel=phi3:latest");
        Assert.True(model.ExitCode == 0, model.ToString());
        Assert.Equal(3, _server.ChatRequests.Count);
        Assert.All(_server.ChatRequests, c => Assert.Equal("phi3:latest", c.Model));
    }

    [Fact]
    public void FailingItem_FailsTheBuildNamingTheFile_KeepsTheOthers_AndTheNextBuildSendsOnlyIt()
    {
        _server.InjectFault(ServerFault.InternalError, times: 4, match: "Bananas");

        var failed = _project.Build();

        Assert.NotEqual(0, failed.ExitCode);
        Assert.Matches(@"docs[/\\]beta\.md\(1\): error GZ2004: server error 500", failed.Output);
        var json = File.ReadAllText(_project.Artifact("doc-summaries.json"));
        Assert.Contains("\"file\": \"docs/alpha.md\",\n      \"status\": \"success\"", json, StringComparison.Ordinal);
        Assert.Contains("\"file\": \"docs/beta.md\",\n      \"status\": \"failed\"", json, StringComparison.Ordinal);
        _server.ClearLog();

        var retried = _project.Build();

        Assert.True(retried.ExitCode == 0, retried.ToString());
        Assert.Equal(["docs/beta.md"], _server.ChatRequests.Select(c => c.FileName));
    }

    [Fact]
    public void FailOnErrorFalse_MakesItemFailuresWarnings()
    {
        _server.InjectFault(ServerFault.BadRequest, times: 10, match: "Bananas");

        var result = _project.Build("-p:GleitzeitFailOnError=false");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"docs[/\\]beta\.md\(1\): warning GZ2005", result.Output);
    }

    [Fact]
    public void CachedBuildWithoutServer_ForcedRebuildIsByteIdentical_LockedModeFailsOnAMiss_CleanRemovesArtifacts()
    {
        Assert.Equal(0, _project.Build().ExitCode);
        var artifacts = new[] { "doc-summaries.json", "doc-summaries.csv", "doc-summaries.md" }.ToDictionary(a => a, a => File.ReadAllBytes(_project.Artifact(a)));
        _server.ClearLog();

        var forced = _project.Build("--no-incremental", "-p:GleitzeitEndpoint=http://127.0.0.1:1");

        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Contains("3 items, 3 from cache, 0 sent", forced.Output, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
        foreach (var (name, bytes) in artifacts)
        {
            Assert.Equal(bytes, File.ReadAllBytes(_project.Artifact(name)));
        }

        _project.Write("docs/delta.md", "# Delta\nDates are sweet.\n");
        var locked = _project.Build("-p:GleitzeitCacheMode=Locked");

        Assert.NotEqual(0, locked.ExitCode);
        Assert.Matches(@"docs[/\\]delta\.md\(1\): error GZ3003", locked.Output);
        Assert.Empty(_server.ChatRequests);

        var clean = _project.Clean();

        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.All(artifacts.Keys, a => Assert.False(File.Exists(_project.Artifact(a)), a));
    }

    [Fact]
    public void NativeAndPortableWorkers_WriteTheSameArtifacts()
    {
        var native = _project.Build();

        Assert.True(native.ExitCode == 0, native.ToString());
        if (RuntimeInformation.RuntimeIdentifier == "linux-x64")
        {
            Assert.Matches(@"tools/linux-x64/gleitzeit""? build-worker", native.Output);
            var worker = Directory.GetFiles(feed.Packages, "gleitzeit", SearchOption.AllDirectories).Single(f => f.Contains("linux-x64", StringComparison.Ordinal));
            var version = Dotnet.RunProgram(worker, "--version");
            Assert.Equal(feed.Version, version.Output.Trim());
        }

        var artifacts = new[] { "doc-summaries.json", "doc-summaries.csv", "doc-summaries.md" }.ToDictionary(a => a, a => File.ReadAllBytes(_project.Artifact(a)));
        _server.ClearLog();

        var portable = _project.Build("--no-incremental", "-p:GleitzeitNativeWorker=false");

        Assert.True(portable.ExitCode == 0, portable.ToString());
        Assert.Matches(@"dotnet(\.exe)?""? ""?[^\n]*tools[/\\]net10\.0[/\\]gleitzeit\.dll""? build-worker", portable.Output);
        Assert.Contains("3 items, 3 from cache, 0 sent", portable.Output, StringComparison.Ordinal);
        foreach (var (name, bytes) in artifacts)
        {
            Assert.Equal(bytes, File.ReadAllBytes(_project.Artifact(name)));
        }
    }

    [Fact]
    public void MissingPrompt_IsAConfigurationErrorAgainstTheFile()
    {
        _project.WriteProject("""<GleitzeitBatch Include="docs/alpha.md" />""");

        var result = _project.Build();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(@"alpha\.md\(1\): error GZ1001: GleitzeitBatch item has no Prompt", result.Output);
        Assert.Empty(_server.ChatRequests);
    }

    [Fact]
    public void WorkflowItem_RunsItsTasksWithTheProjectsConfig_AndWritesOneArtifactSet()
    {
        _project.WriteProject("""<GleitzeitWorkflow Include="report.yaml" />""");
        _project.Write(".gleitzeit/config.yaml", "batch:\n  model: \"phi3:latest\"\n");
        _server.AddModel("phi3:latest");
        _project.Write("report.yaml", """
            name: "Report"
            tasks:
              - id: "notes"
                method: "llm/chat"
                params:
                  directory: "docs"
                  file_pattern: "*.md"
                  messages: [{role: user, content: "Decisions?"}]
              - id: "report"
                method: "llm/chat"
                dependencies: [notes]
                params:
                  messages: [{role: user, content: "Report on ${notes.response}"}]
            """);

        var result = _project.Build();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, _server.ChatRequests.Count);
        Assert.All(_server.ChatRequests, c => Assert.Equal("phi3:latest", c.Model));
        var report = _server.ChatRequests.Single(c => c.UserContent.StartsWith("Report on ", StringComparison.Ordinal));
        Assert.Contains("alpha.md:\nReply ", report.UserContent, StringComparison.Ordinal);
        var markdown = File.ReadAllText(_project.Artifact("report.md"));
        Assert.Contains("### ✅ notes/alpha.md", markdown, StringComparison.Ordinal);
        Assert.Contains("### ✅ report", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void SchemaFormat_IsSentAsStructuredOutput_AndEditingTheSchemaResendsEveryItem()
    {
        _project.WriteProject(Items.Replace("/>", "Format=\"summary.schema.json\" />", StringComparison.Ordinal));
        _project.Write("summary.schema.json", """{"type":"object","properties":{"summary":{"type":"string"}}}""");

        var first = _project.Build();

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(3, _server.ChatRequests.Count);
        Assert.All(_server.ChatRequests, c => Assert.Equal("object", c.Format!["type"]!.GetValue<string>()));
        _server.ClearLog();

        _project.Write("summary.schema.json", """{"type":"object","properties":{"summary":{"type":"string"},"tags":{"type":"array"}}}""");
        var second = _project.Build();

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(3, _server.ChatRequests.Count);
        Assert.All(_server.ChatRequests, c => Assert.NotNull(c.Format!["properties"]!["tags"]));
    }
}

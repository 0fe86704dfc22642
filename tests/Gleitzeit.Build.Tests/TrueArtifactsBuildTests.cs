using System.IO.Compression;
using System.Text.Json.Nodes;
using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>
/// A committed artifact is a pure function of its inputs, whatever the layout: the package never reads what it writes,
/// refuses layouts that would lose a document or an answer before any call, survives what Git does to the files
/// (merge conflicts, CRLF checkouts, a BOM), follows deleted inputs and OutputFiles, and reports the same problems on
/// every build until they are fixed.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class TrueArtifactsBuildTests(PackedFeed feed) : IAsyncLifetime
{
    private const string ReadmeLayout = "<GleitzeitOutputDirectory>docs/summaries/</GleitzeitOutputDirectory>";
    private OllamaTestServer _server = null!;
    private ConsumerProject _project = null!;

    public async Task InitializeAsync()
    {
        _server = await OllamaTestServer.StartAsync();
        _project = new ConsumerProject(feed, _server);
        _project.Write("docs/alpha.md", "# Alpha\nApples are red.\n");
        _project.Write("docs/guides/beta.md", "# Beta\nBananas are yellow.\n");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Summaries(string file) => Path.Combine(_project.Directory, "docs", "summaries", file);

    private static void Succeeded(DotnetResult result) => Assert.True(result.ExitCode == 0, result.ToString());

    private static void Failed(DotnetResult result) => Assert.True(result.ExitCode != 0, result.ToString());

    private List<string> Sent() => [.. _server.ChatRequests.Select(c => c.FileName!).Order(StringComparer.Ordinal)];

    private DotnetResult LockedVerify() => _project.CleanCiBuild();

    private Dictionary<string, byte[]> Snapshot(string folder) => Directory.GetFiles(Path.Combine(_project.Directory, folder), "*", SearchOption.AllDirectories)
        .ToDictionary(f => Path.GetRelativePath(_project.Directory, f), File.ReadAllBytes);

    [Fact]
    public void TheReadmeLayout_WithOutputsInsideTheGlobbedFolder_ConvergesToANoOpBuild_AndPassesLockedVerify()
    {
        // Both snippets at once (docs/review-flow.md, docs/msbuild.md), and a workflow over the same folder: artifacts
        // in docs/summaries/, an OutputFile beside each document.
        _project.Write("flow.yaml", """
            name: "Flow"
            tasks:
              - id: "fruit"
                protocol: "llm/v1"
                method: "llm/chat"
                params:
                  directory: "docs"
                  file_pattern: "*.md"
                  messages:
                    - role: "user"
                      content: "Name the fruit."
            """);
        const string Items = """
            <GleitzeitBatch Include="docs/**/*.md" Batch="doc-summaries" Prompt="Summarize this document." OutputFile="docs/%(RecursiveDir)%(Filename).summary.md" />
            <GleitzeitWorkflow Include="flow.yaml" />
            """;
        _project.WriteProject(Items, ReadmeLayout);

        Succeeded(_project.Build());
        Assert.Equal(["alpha.md", "docs/alpha.md", "docs/guides/beta.md"], Sent());
        _server.ClearLog();

        var second = _project.Build();

        Succeeded(second);
        Assert.Empty(_server.ChatRequests);
        Assert.Contains("Skipping target \"GleitzeitRun\" because all output files are up-to-date", second.Output, StringComparison.Ordinal);
        // The two Markdown artifacts and the two OutputFiles match docs/**/*.md: said once, never sent.
        Assert.Single(second.Output.Split('\n'), l => l.Contains("Gleitzeit: 4 file(s) that GleitzeitBatch items match are written by Gleitzeit itself", StringComparison.Ordinal));
        var files = JsonNode.Parse(File.ReadAllText(Summaries("doc-summaries.json")))!["results"]!.AsArray().Select(r => r!["file"]!.GetValue<string>());
        Assert.Equal(["docs/alpha.md", "docs/guides/beta.md"], files);
        Assert.False(File.Exists(Path.Combine(_project.Directory, "docs", "alpha.summary.summary.md")));

        Succeeded(LockedVerify());
        Assert.Empty(_server.ChatRequests);

        // Artifacts left in a folder the project no longer writes to are still known by their content.
        _project.WriteProject(Items, "<GleitzeitOutputDirectory>docs/moved/</GleitzeitOutputDirectory>");
        Succeeded(_project.Build());
        Assert.Empty(_server.ChatRequests);
        Assert.Equal(files, JsonNode.Parse(File.ReadAllText(Path.Combine(_project.Directory, "docs", "moved", "doc-summaries.json")))!["results"]!.AsArray().Select(r => r!["file"]!.GetValue<string>()));
    }

    [Fact]
    public void LayoutsThatWouldLoseADocumentOrAnAnswer_FailBeforeAnyCall_NamingBothItems()
    {
        _project.Write("docs/notes.md", "# Notes\nNothing yet.\n");
        _project.Write("workflows/doc-summaries.yaml", "name: Docs\ntasks:\n  - name: one\n    protocol: llm/chat\n    method: chat\n    params:\n      prompt: Hello\n");
        _project.WriteProject("""
            <GleitzeitBatch Include="docs/alpha.md" Batch="own" Prompt="Summarize." OutputFile="%(Identity)" />
            <GleitzeitBatch Include="docs/guides/beta.md" Batch="doc-summaries" Prompt="Summarize." />
            <GleitzeitWorkflow Include="workflows/doc-summaries.yaml" />
            <GleitzeitBatch Include="docs/notes.md" Batch="Notes" Prompt="Summarize." />
            <GleitzeitBatch Include="docs/notes.md" Batch="notes" Prompt="Summarize." />
            <GleitzeitBatch Include="docs/notes.md" Batch="twice" Prompt="Summarize." />
            <GleitzeitBatch Include="docs/notes.md" Batch="twice" Prompt="List the headings." />
            <GleitzeitBatch Include="docs/alpha.md;docs/guides/beta.md;docs/notes.md" Batch="shared" Prompt="Summarize." OutputFile="out/one.md" />
            <GleitzeitBatch Include="docs/notes.md" Batch="" Prompt="Summarize." />
            <GleitzeitBatch Include="docs/guides/beta.md" Batch="over-another" Prompt="Summarize." OutputFile="docs/notes.md" />
            <GleitzeitBatch Include="docs/guides/beta.md" Batch="case" Prompt="Summarize." OutputFile="docs/guides/BETA.md" />
            <GleitzeitBatch Include="docs/guides/beta.md" Batch="linked" Prompt="Summarize." OutputFile="link/guides/beta.md" />
            """);
        Directory.CreateSymbolicLink(Path.Combine(_project.Directory, "link"), Path.Combine(_project.Directory, "docs"));

        var result = _project.Build();

        Failed(result);
        Assert.Empty(_server.ChatRequests);
        Assert.Equal("# Alpha\nApples are red.\n", File.ReadAllText(Path.Combine(_project.Directory, "docs", "alpha.md")));
        var alpha = Path.Combine(_project.Directory, "docs", "alpha.md");
        var beta = Path.Combine(_project.Directory, "docs", "guides", "beta.md");
        var notes = Path.Combine(_project.Directory, "docs", "notes.md");
        var workflow = Path.Combine(_project.Directory, "workflows", "doc-summaries.yaml");
        Assert.Contains($"{alpha}(1): error GZ1008: OutputFile 'docs/alpha.md' is this item's own input file", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{workflow}(1): error GZ1007: the workflow 'doc-summaries' and Batch 'doc-summaries' (item {beta}) would write the same artifacts", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{notes}(1): error GZ1007: Batch 'notes' and Batch 'Notes' (item {notes}) would write the same artifacts", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{notes}(1): error GZ1007: this file is in Batch 'twice' twice, with different Prompt", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{beta}(1): error GZ1007: OutputFile 'out/one.md' is also the OutputFile of {alpha} (Batch 'shared'", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{notes}(1): error GZ1007: OutputFile 'out/one.md' is also the OutputFile of {alpha} (Batch 'shared'", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{notes}(1): error GZ1002: Batch is empty", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{beta}(1): error GZ1008: OutputFile 'docs/notes.md' is {notes}, an input of Batch 'Notes' that Gleitzeit did not write", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{beta}(1): error GZ1008: OutputFile 'docs/guides/BETA.md' is this item's own input file (the names differ only in case", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{beta}(1): error GZ1008: OutputFile 'link/guides/beta.md' is this item's own input file:", result.Output, StringComparison.Ordinal);
        Assert.Equal("# Beta\nBananas are yellow.\n", File.ReadAllText(beta));
        Assert.Equal("# Notes\nNothing yet.\n", File.ReadAllText(notes));
        Assert.False(Directory.Exists(Path.Combine(_project.Directory, "out")));
    }

    [Fact]
    public void AMergeConflictInTheCommittedArtifacts_FailsLockedVerifyOnItsLine_AndANormalBuildResolvesItWithNoCall()
    {
        _project.WriteProject("""<GleitzeitBatch Include="docs/**/*.md" Batch="doc-summaries" Prompt="Summarize this document." />""", ReadmeLayout);
        _project.Write(".gitignore", "bin/\nobj/\n");
        Git("init", "-q", "-b", "main");
        Succeeded(_project.Build());
        Git("add", "-A");
        Git("commit", "-q", "-m", "base");

        // Two pull requests, each adding a document (its result lands at the same place in the list) and regenerating
        // the summaries.
        Git("checkout", "-q", "-b", "alpha");
        _project.Write("docs/gamma.md", "# Gamma\nGrapes are green.\n");
        Succeeded(_project.Build());
        Git("add", "-A");
        Git("commit", "-q", "-m", "gamma");
        Git("checkout", "-q", "main");
        _project.Write("docs/delta.md", "# Delta\nDates are brown.\n");
        Succeeded(_project.Build());
        Git("add", "-A");
        Git("commit", "-q", "-m", "delta");
        var merge = Dotnet.RunProgram("git", "-C", _project.Directory, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "merge", "-q", "alpha");
        Assert.NotEqual(0, merge.ExitCode);
        var conflicted = File.ReadAllText(Summaries("doc-summaries.json"));
        Assert.Contains("<<<<<<< ", conflicted, StringComparison.Ordinal);
        var conflictLine = conflicted.Split('\n').ToList().FindIndex(l => l.StartsWith("<<<<<<<", StringComparison.Ordinal)) + 1;
        var before = Snapshot(Path.Combine("docs", "summaries"));
        _server.ClearLog();

        var ci = LockedVerify();

        Failed(ci);
        Assert.Contains($"{Summaries("doc-summaries.json")}({conflictLine},1): error GZ3009: ", ci.Output, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(Path.Combine("docs", "summaries")));

        // With an empty cache: both sides' answers are served from the conflicted artifact itself.
        var resolved = _project.BuildWith(new Dictionary<string, string> { ["GLEITZEIT_HOME"] = Path.Combine(_project.Root, "fresh-home") });

        Succeeded(resolved);
        Assert.Empty(_server.ChatRequests);
        Assert.DoesNotContain("<<<<<<<", File.ReadAllText(Summaries("doc-summaries.json")), StringComparison.Ordinal);
        Assert.DoesNotContain("<<<<<<<", File.ReadAllText(Summaries("doc-summaries.md")), StringComparison.Ordinal);
        Succeeded(LockedVerify());
    }

    [Fact]
    public void ArtifactsAsGitLeavesThem_WithCrlfAndABom_PassLockedVerify_AndADamagedOneIsACodedProblemThatLockedNeverOverwrites()
    {
        _project.WriteProject("""<GleitzeitBatch Include="docs/**/*.md" Batch="doc-summaries" Prompt="Summarize this document." />""", ReadmeLayout);
        Succeeded(_project.Build());
        foreach (var file in Directory.GetFiles(Path.Combine(_project.Directory, "docs", "summaries")))
        {
            // A Windows checkout with core.autocrlf=true, and an editor that saved the JSON with a BOM.
            var text = File.ReadAllText(file).Replace("\n", "\r\n", StringComparison.Ordinal);
            File.WriteAllText(file, text, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: file.EndsWith(".json", StringComparison.Ordinal)));
        }

        _server.ClearLog();

        Succeeded(LockedVerify());
        Assert.Empty(_server.ChatRequests);

        File.WriteAllText(Summaries("doc-summaries.json"), "{ \"batch_id\": \"doc-summaries\", \"results\": [ oops");
        var damaged = Snapshot(Path.Combine("docs", "summaries"));

        var locked = _project.Build("-p:GleitzeitCacheMode=Locked", "-p:GleitzeitCacheDirectory=" + Path.Combine(_project.Root, "empty-cache"));

        Failed(locked);
        Assert.Contains($"{Summaries("doc-summaries.json")}(1,1): error GZ3010: ", locked.Output, StringComparison.Ordinal);
        Assert.Equal(damaged, Snapshot(Path.Combine("docs", "summaries")));

        var normal = Dotnet.Run(_project.Directory, _project.Environment(), ["build", "-nr:false"]);

        Succeeded(normal);
        Assert.Contains($"{Summaries("doc-summaries.json")}(1,1): warning GZ3010: ", normal.Output, StringComparison.Ordinal);
        Assert.Empty(_server.ChatRequests);
    }

    [Fact]
    public void DeletedOutputFilesAndDeletedInputs_AreFollowed_AndWarningsFailEveryBuildUnderWarnAsError()
    {
        _project.Write("docs/empty.md", "   \n");
        _project.WriteProject(
            """<GleitzeitBatch Include="docs/**/*.md" Batch="doc-summaries" Prompt="Summarize this document." OutputFile="summaries/%(RecursiveDir)%(Filename).summary.md" />""",
            "<GleitzeitOutputDirectory>summaries/</GleitzeitOutputDirectory>");
        var warned = _project.Build("-warnaserror");
        Failed(warned);
        Assert.Contains("GZ3008", warned.Output, StringComparison.Ordinal);
        var again = _project.Build("-warnaserror");
        Failed(again);
        Assert.Contains("GZ3008", again.Output, StringComparison.Ordinal);
        Assert.Contains("Skipping target \"GleitzeitRun\" because all output files are up-to-date", again.Output, StringComparison.Ordinal);
        _server.ClearLog();

        var alphaSummary = Path.Combine(_project.Directory, "summaries", "alpha.summary.md");
        var answer = File.ReadAllText(alphaSummary);
        File.Delete(alphaSummary);
        Succeeded(_project.Build());
        Assert.Equal(answer, File.ReadAllText(alphaSummary));
        Assert.Empty(_server.ChatRequests);

        // A deleted input: its OutputFile goes with it (verify names it first).
        var betaSummary = Path.Combine(_project.Directory, "summaries", "guides", "beta.summary.md");
        Assert.True(File.Exists(betaSummary));
        File.Delete(Path.Combine(_project.Directory, "docs", "guides", "beta.md"));
        var stale = _project.Build("-p:GleitzeitVerify=true");
        Failed(stale);
        Assert.Contains($"{betaSummary}(1,1): error GZ3006: not current: no item of batch 'doc-summaries' writes it any more", stale.Output, StringComparison.Ordinal);
        Succeeded(_project.Build());
        Assert.False(File.Exists(betaSummary));
        Assert.True(File.Exists(alphaSummary));

        // Every input of the batch deleted, then the item group too: the artifacts go with them.
        _project.WriteProject("""<GleitzeitBatch Include="docs/**/*.md" Batch="old-name" Prompt="Summarize this document." />""", "<GleitzeitOutputDirectory>summaries/</GleitzeitOutputDirectory>");
        var verify = _project.Build("-p:GleitzeitVerify=true", "-p:GleitzeitCacheMode=Locked");
        Failed(verify);
        Assert.Contains($"{Path.Combine(_project.Directory, "summaries", "doc-summaries.json")}(1,1): error GZ3006: not current: batch 'doc-summaries' has no items any more", verify.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_project.Directory, "summaries", "doc-summaries.json")));
        _project.WriteProject(string.Empty, "<GleitzeitOutputDirectory>summaries/</GleitzeitOutputDirectory>");
        Succeeded(_project.Build());
        Assert.False(File.Exists(Path.Combine(_project.Directory, "summaries", "doc-summaries.json")));
        Assert.False(File.Exists(Path.Combine(_project.Directory, "summaries", "doc-summaries.md")));
        Assert.False(File.Exists(alphaSummary));
        Assert.Empty(_server.ChatRequests);
    }

    [Fact]
    public void HostileNamesAndAnswers_StayInertInTheArtifacts_AndPackedArtifactsHaveAStablePath()
    {
        _project.Write("docs/<img src=x onerror=alert(1)>.md", "# Hostile\nA name that is HTML.\n");
        _server.Replies = prompt => prompt.Contains("Hostile", StringComparison.Ordinal) ? "=HYPERLINK(\"http://evil.example\",\"click\")\n# Not a heading" : null;
        _project.WriteProject(
            """<GleitzeitBatch Include="docs/**/*.md" Batch="doc-summaries" Prompt="Summarize this document." />""",
            "<GleitzeitAddOutputsTo>Content</GleitzeitAddOutputsTo><IsPackable>true</IsPackable>");

        var pack = Dotnet.Run(_project.Directory, _project.Environment(), ["pack", "-nr:false", "-c", "Release", "-o", Path.Combine(_project.Root, "nupkg")]);

        Succeeded(pack);
        var markdown = File.ReadAllText(Path.Combine(_project.Directory, "bin", "Release", "net10.0", "gleitzeit", "doc-summaries.md"));
        Assert.DoesNotContain("<img", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("\n# Not a heading", markdown, StringComparison.Ordinal);
        var csv = File.ReadAllText(Path.Combine(_project.Directory, "bin", "Release", "net10.0", "gleitzeit", "doc-summaries.csv"));
        Assert.DoesNotContain(",=HYPERLINK", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(",\"=HYPERLINK", csv, StringComparison.Ordinal);
        using var package = ZipFile.OpenRead(Directory.GetFiles(Path.Combine(_project.Root, "nupkg"), "*.nupkg").Single());
        var entries = package.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("content/gleitzeit/doc-summaries.json", entries);
        Assert.Contains("contentFiles/any/any/gleitzeit/doc-summaries.md", entries);
        Assert.DoesNotContain(entries, e => e.Contains("bin/", StringComparison.Ordinal));
    }

    private void Git(params string[] args)
    {
        var result = Dotnet.RunProgram("git", ["-C", _project.Directory, "-c", "user.name=t", "-c", "user.email=t@example.invalid", .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}

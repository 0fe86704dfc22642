using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>
/// Summaries reviewed in pull requests: artifacts committed in a folder of the project are the lockfile a clean CI
/// build (no cache, no server, Locked) is served from, verify mode fails a stale one with what to do, a hand-corrected
/// answer survives, the job summary gets a table, and a token budget stops a build before its first call.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed partial class ReviewFlowBuildTests(PackedFeed feed) : IAsyncLifetime
{
    private const string Items = """<GleitzeitBatch Include="docs/**/*.md" Batch="doc-summaries" Prompt="Summarize this document in two sentences." />""";
    private const string ReviewedFolder = "<GleitzeitOutputDirectory>summaries/</GleitzeitOutputDirectory>";
    private OllamaTestServer _server = null!;
    private ConsumerProject _project = null!;

    public async Task InitializeAsync()
    {
        _server = await OllamaTestServer.StartAsync();
        _project = new ConsumerProject(feed, _server);
        _project.WriteProject(Items, ReviewedFolder);
        _project.Write("docs/alpha.md", "# Alpha\nApples are red.\n");
        _project.Write("docs/beta.md", "# Beta\nBananas are yellow.\n");
        _project.Write("docs/guides/gamma.md", "# Gamma\nCherries are dark.\n");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Reviewed(string file) => Path.Combine(_project.Directory, "summaries", file);

    private static void Succeeded(DotnetResult result) => Assert.True(result.ExitCode == 0, result.ToString());

    private DotnetResult CleanCiBuild(params string[] args) => _project.CleanCiBuild(args);

    [Fact]
    public void CommittedArtifacts_MakeACleanLockedVerifyBuildSucceed_WithNoCallAndNoChange()
    {
        Succeeded(_project.Build());
        var committed = new[] { "doc-summaries.json", "doc-summaries.csv", "doc-summaries.md" }.ToDictionary(f => f, f => File.ReadAllBytes(Reviewed(f)));
        _server.ClearLog();

        var ci = CleanCiBuild();

        Succeeded(ci);
        Assert.Empty(_server.Requests);
        Assert.Contains("3 items, 3 from cache, 0 sent", ci.Output, StringComparison.Ordinal);
        Assert.All(committed, c => Assert.Equal(c.Value, File.ReadAllBytes(Reviewed(c.Key))));
        var markdown = File.ReadAllText(Reviewed("doc-summaries.md"));
        Assert.Contains("**Prompt**: Summarize this document in two sentences.  \n**Model**: llama3.2:latest (", markdown, StringComparison.Ordinal);
        Assert.Contains("**Tokens**: ", markdown, StringComparison.Ordinal);

        // Records under review: clean leaves them.
        Assert.Equal(0, _project.Clean().ExitCode);
        Assert.True(File.Exists(Reviewed("doc-summaries.json")));
    }

    [Fact]
    public void AnEditedInput_FailsTheCiBuild_NamingTheItemAndTheArtifactLine_AndTouchesNothing()
    {
        Succeeded(_project.Build());
        var committed = File.ReadAllBytes(Reviewed("doc-summaries.json"));
        _project.Write("docs/beta.md", "# Beta\nBananas are yellow, and curved.\n");

        var ci = CleanCiBuild();

        Assert.NotEqual(0, ci.ExitCode);
        Assert.Matches(@"docs/beta\.md\(1\): error GZ3003: cache miss in Locked mode", ci.Output);
        Assert.Matches(Regex.Escape(Reviewed("doc-summaries.json")) + @"\([0-9]+,1\): error GZ3006: not current for its inputs \(line [0-9]+: - .*/ \+ .*\); run `dotnet build` where the model is reachable and commit the changed artifacts", ci.Output);
        Assert.Equal(committed, File.ReadAllBytes(Reviewed("doc-summaries.json")));
        Assert.Empty(_server.ChatRequests.Where(c => c.FileName == "docs/beta.md").Skip(1));

        // Every error line is one GitHub's dotnet problem matcher (setup-dotnet's csc.json) annotates.
        var errors = ci.Output.Split('\n').Where(l => l.Contains(": error GZ", StringComparison.Ordinal) && !l.StartsWith(' ')).ToList();
        Assert.NotEmpty(errors);
        Assert.All(errors, l => Assert.Matches(CscProblemMatcher(), l.TrimEnd('\r')));
    }

    [Fact]
    public void VerifyMode_ChecksEachItemsOutputFileToo_AndWritesNone()
    {
        _project.WriteProject("""<GleitzeitBatch Include="docs/**/*.md" Batch="doc-summaries" Prompt="Summarize this document in two sentences." OutputFile="summaries/%(RecursiveDir)%(Filename).summary.md" />""", ReviewedFolder);
        Succeeded(_project.Build());
        var beta = Reviewed("beta.summary.md");
        var committed = File.ReadAllBytes(beta);
        _project.Write("docs/beta.md", "# Beta\nBananas are yellow, and curved.\n");

        var ci = CleanCiBuild();

        Assert.NotEqual(0, ci.ExitCode);
        Assert.Matches(Regex.Escape(beta) + @"\(1,1\): error GZ3006: not current for its inputs \(its item docs/beta\.md did not succeed, so it would be removed\)", ci.Output);
        Assert.DoesNotContain("alpha.summary.md(", ci.Output, StringComparison.Ordinal);
        Assert.Equal(committed, File.ReadAllBytes(beta));
    }

    [Fact]
    public void AnAnswerCorrectedByHand_IsRenderedIntoTheOtherArtifacts_SurvivesRebuilds_AndIsReplacedWhenItsInputChanges()
    {
        Succeeded(_project.Build());
        var json = JsonNode.Parse(File.ReadAllText(Reviewed("doc-summaries.json")))!;
        json["results"]!.AsArray().Single(r => r!["file"]!.GetValue<string>() == "docs/alpha.md")!["result"] = "Apples are red (checked by the docs team).";
        File.WriteAllText(Reviewed("doc-summaries.json"), json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        _server.ClearLog();

        var rebuilt = _project.Build();

        Succeeded(rebuilt);
        Assert.Empty(_server.ChatRequests);
        Assert.Contains("checked by the docs team", File.ReadAllText(Reviewed("doc-summaries.md")), StringComparison.Ordinal);
        Assert.Contains("checked by the docs team", File.ReadAllText(Reviewed("doc-summaries.csv")), StringComparison.Ordinal);
        Succeeded(CleanCiBuild());

        _project.Write("docs/alpha.md", "# Alpha\nApples are red or green.\n");
        var edited = _project.Build();

        Succeeded(edited);
        Assert.Equal(["docs/alpha.md"], _server.ChatRequests.Select(c => c.FileName));
        Assert.DoesNotContain("checked by the docs team", File.ReadAllText(Reviewed("doc-summaries.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void TheJobSummary_GetsATableRowForTheBatch()
    {
        var summary = Path.Combine(_project.Root, "step-summary.md");

        var result = _project.BuildWith(new Dictionary<string, string> { ["GITHUB_STEP_SUMMARY"] = summary });

        Succeeded(result);
        var text = File.ReadAllText(summary);
        Assert.Contains("### Gleitzeit: Docs.csproj", text, StringComparison.Ordinal);
        Assert.Contains("| batch | items | from artifact | from cache | sent | failed | tokens in | tokens out | time |", text, StringComparison.Ordinal);
        Assert.Matches(@"\| doc-summaries \| 3 \| 0 \| 0 \| 3 \| 0 \| [1-9][0-9]* \| [1-9][0-9]* \| [0-9.]+ s \|", text);
    }

    [Fact]
    public void ABudgetBelowTheEstimate_FailsTheBuildBeforeTheFirstCall()
    {
        var result = _project.Build("-p:GleitzeitMaxTokens=10");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error GZ4003: batch 'doc-summaries': the 3 item(s) to send need about", result.Output, StringComparison.Ordinal);
        Assert.Contains("over GleitzeitMaxTokens 10", result.Output, StringComparison.Ordinal);
        Assert.Empty(_server.ChatRequests);
    }

    // setup-dotnet's .github/csc.json, as GitHub Actions applies it to `dotnet build` output.
    [GeneratedRegex(@"^([^\s].*)\((\d+)(?:,\d+|,\d+,\d+)?\):\s+(error|warning)\s+([a-zA-Z]+(?<!MSB)\d+):\s*(.*?)\s+\[(.*?)\]$")]
    private static partial Regex CscProblemMatcher();
}

using System.Text.Json.Nodes;
using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>
/// The README's docs project that fails CI on an unfaithful summary, built with the packed package: a judge grades every
/// summary against its document, a score under MinScore fails the build on the item's file, an unchanged build makes
/// no answer and no judge call, an edited document one of each, and a reviewer's fix in the committed artifact is
/// judged again and, once faithful, lets a clean Locked CI build pass with no call.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class ChecksBuildTests(PackedFeed feed) : IAsyncLifetime
{
    private const string Items = """
        <GleitzeitBatch Include="docs/**/*.md" Batch="docs" Prompt="Summarize this document in one sentence."
                        JudgePrompt="true" MinScore="0.8" MaxWords="40" />
        """;

    private const string Properties = "<GleitzeitOutputDirectory>summaries/</GleitzeitOutputDirectory><GleitzeitChecksFail>error</GleitzeitChecksFail>";
    private OllamaTestServer _server = null!;
    private ConsumerProject _project = null!;

    public async Task InitializeAsync()
    {
        _server = await OllamaTestServer.StartAsync();
        _server.Replies = FaithfulnessJudge.SummaryOrVerdict;
        _project = new ConsumerProject(feed, _server);
        _project.WriteProject(Items, Properties);
        foreach (var (file, text) in FaithfulnessJudge.ReleaseNotes)
        {
            _project.Write("docs/" + file, text);
        }
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Reviewed(string file) => Path.Combine(_project.Directory, "summaries", file);

    private (int Answers, int Judges) Calls() =>
        (_server.ChatRequests.Count(r => !FaithfulnessJudge.IsJudgeCall(r.Messages[^1].Content)), _server.ChatRequests.Count(r => FaithfulnessJudge.IsJudgeCall(r.Messages[^1].Content)));

    [Fact]
    public void AnUnfaithfulSummary_FailsTheBuildOnItsFile_UntilAReviewerFixesIt_AndNothingUnchangedIsAskedTwice()
    {
        var first = _project.Build();
        Assert.True(first.ExitCode != 0, first.ToString());
        Assert.Matches(@"docs/gamma\.md\(1\): error GZ5002: the judge scored 0\.5, under min_score 0\.8: the document does not support: ""Gamma also adds quantum teleportation""", first.Output);
        Assert.Equal((3, 3), Calls());
        Assert.Contains("checks 2/3 passed (3 judge call(s)", first.Output, StringComparison.Ordinal);
        var markdown = File.ReadAllText(Reviewed("docs.md"));
        Assert.Contains("> ⚠️ **Check failed** (judge): the judge scored 0.5", markdown, StringComparison.Ordinal);
        Assert.Contains("**Checks**: max_words 40; judge llama3.2:latest (min_score 0.8): \"Every statement", markdown, StringComparison.Ordinal);

        // Unchanged: the failure stands, and nothing is asked again.
        _server.ClearLog();
        var again = _project.Build();
        Assert.True(again.ExitCode != 0, again.ToString());
        Assert.Contains("error GZ5002", again.Output, StringComparison.Ordinal);
        Assert.Equal((0, 0), Calls());

        // One edited document: one answer and one judge call.
        _project.Write("docs/beta.md", "Beta adds audit logging and retention rules to the server.");
        _server.ClearLog();
        Assert.True(_project.Build().ExitCode != 0);
        Assert.Equal((1, 1), Calls());

        // The reviewer corrects the summary in the committed artifact: it is judged again, passes, and the build does.
        var json = JsonNode.Parse(File.ReadAllText(Reviewed("docs.json")))!;
        json["results"]!.AsArray().Single(r => r!["file"]!.GetValue<string>() == "docs/gamma.md")!["result"] = "Gamma removes the legacy exporter.";
        File.WriteAllText(Reviewed("docs.json"), json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        _server.ClearLog();
        var fixedBuild = _project.Build();
        Assert.True(fixedBuild.ExitCode == 0, fixedBuild.ToString());
        Assert.Equal((0, 1), Calls());
        Assert.DoesNotContain("GZ500", fixedBuild.Output, StringComparison.Ordinal);

        // A pull request's CI: fresh clone, no cache, no server, Locked and verifying: the recorded verdicts hold.
        _server.ClearLog();
        var ci = _project.CleanCiBuild();
        Assert.True(ci.ExitCode == 0, ci.ToString());
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public void ChecksAreWarningsByDefault_AndABadCheckMetadataFailsBeforeAnyCall()
    {
        _project.WriteProject("""<GleitzeitBatch Include="docs/**/*.md" Batch="docs" Prompt="Summarize." MaxWords="6" MustMatch="^[A-Z]" />""", "<GleitzeitOutputDirectory>summaries/</GleitzeitOutputDirectory>");

        var warned = _project.Build();

        Assert.True(warned.ExitCode == 0, warned.ToString());
        Assert.Matches(@"docs/gamma\.md\(1\): warning GZ5001: the answer failed a check: max_words: 10 words, more than max_words 6", warned.Output);
        Assert.DoesNotContain(_server.ChatRequests, r => FaithfulnessJudge.IsJudgeCall(r.Messages[^1].Content));

        _project.WriteProject("""<GleitzeitBatch Include="docs/**/*.md" Batch="docs" Prompt="Summarize." MaxWords="lots" />""", "<GleitzeitOutputDirectory>summaries/</GleitzeitOutputDirectory>");
        _server.ClearLog();
        var refused = _project.Build();

        Assert.True(refused.ExitCode != 0, refused.ToString());
        Assert.Contains("error GZ1002: invalid value 'lots' for MaxWords: expected a whole number from 1 to 1000000000", refused.Output, StringComparison.Ordinal);
        Assert.Empty(_server.ChatRequests);

        // A schema that RequireJson cannot check answers against is the item's error before any call, never a check
        // failing (with a message that changes every run) on every answer.
        _project.Write("schema.json", """{"$ref": "#/$defs/nope"}""");
        _project.WriteProject("""<GleitzeitBatch Include="docs/**/*.md" Batch="docs" Prompt="Summarize." Format="schema.json" RequireJson="true" />""", "<GleitzeitOutputDirectory>summaries/</GleitzeitOutputDirectory>");
        var schema = _project.Build();

        Assert.True(schema.ExitCode != 0, schema.ToString());
        Assert.Contains("error GZ1002: invalid JSON schema 'schema.json' for Format, which RequireJson checks answers against:", schema.Output, StringComparison.Ordinal);
        Assert.Contains("#/$defs/nope", schema.Output, StringComparison.Ordinal);
        Assert.Empty(_server.ChatRequests);
    }
}

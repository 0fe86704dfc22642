using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Cli.Tests.Commands;

/// <summary>
/// The review flow from a shell: <c>--output</c> writes a reviewable artifact that the next run serves answers from
/// (the lockfile), <c>--verify</c> checks it with no model, CI job summaries, and the token budget.
/// </summary>
public sealed partial class ReviewFlowCommandTests : IAsyncLifetime
{
    private const string NoServer = "http://127.0.0.1:9";
    private CliHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await CliHarness.StartAsync();
        _h.ThreeDocs();
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private string Artifact => Path.Combine(_h.Root, "summaries.json");

    private string FreshCache() => Path.Combine(_h.Root, "cache-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task TheCommittedArtifact_AnswersEveryItem_WithNoCacheAndNoServer()
    {
        Assert.Equal(0, (await _h.RunAsync("batch", "docs", "--output", "summaries.json")).ExitCode);
        var committed = File.ReadAllBytes(Artifact);
        _h.Server.ClearLog();

        var ci = await _h.RunAsync("batch", "docs", "--output", "summaries.json", "--endpoint", NoServer, "--cache-directory", FreshCache(), "--cache-mode", "Locked");

        Assert.True(ci.ExitCode == 0, ci.ToString());
        Assert.Empty(_h.Server.Requests);
        Assert.Equal(3, ci.Out.Split('\n').Count(l => l.Contains("] artifact ", StringComparison.Ordinal)));
        Assert.Contains("3 ok (3 from the artifact, 0 from cache, 0 sent)", ci.Out, StringComparison.Ordinal);
        Assert.Equal(committed, File.ReadAllBytes(Artifact));
        var record = new ResultStore(_h.ResultsDirectory).List().OrderBy(r => r.CreatedAt).Last();
        Assert.All(record.Results.Values, r => Assert.Equal(ItemResult.FromArtifact, r.Source));
    }

    [Fact]
    public async Task TheArtifact_RecordsProvenanceKeysAndDigests_AndIsTheSameBytesOnASecondRun()
    {
        Assert.Equal(0, (await _h.RunAsync("batch", "docs", "--output", "summaries.json", "--system", "Be brief.")).ExitCode);
        var first = File.ReadAllBytes(Artifact);

        Assert.Equal(0, (await _h.RunAsync("batch", "docs", "--output", "summaries.json", "--system", "Be brief.")).ExitCode);

        Assert.Equal(first, File.ReadAllBytes(Artifact));
        var json = JsonNode.Parse(first)!;
        var prompt = json["provenance"]!["prompts"]![0]!;
        Assert.Equal("Analyze this file", prompt["prompt"]!.GetValue<string>());
        Assert.Equal("Be brief.", prompt["system"]!.GetValue<string>());
        Assert.Equal("llama3.2:latest", prompt["model"]!.GetValue<string>());
        Assert.Equal(_h.Server.DigestOf("llama3.2:latest")!.Replace("sha256:", string.Empty, StringComparison.Ordinal), prompt["model_digest"]!.GetValue<string>());
        Assert.Equal(prompt["model_digest"]!.GetValue<string>(), json["provenance"]!["models"]![0]!["digest"]!.GetValue<string>());
        Assert.All(json["results"]!.AsArray(), r =>
        {
            Assert.Matches("^[0-9a-f]{64}$", r!["cache_key"]!.GetValue<string>());
            Assert.Equal("llama3.2:latest", r["model"]!.GetValue<string>());
        });
        Assert.DoesNotContain("batch_20", System.Text.Encoding.UTF8.GetString(first), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAnswerCorrectedByHand_SurvivesEveryRun_UntilItsInputChanges()
    {
        Assert.Equal(0, (await _h.RunAsync("batch", "docs", "--output", "summaries.json")).ExitCode);
        var json = JsonNode.Parse(File.ReadAllText(Artifact))!;
        json["results"]!.AsArray().Single(r => r!["file"]!.GetValue<string>() == "sample_story.txt")!["result"] = "A compiler dreams of types (corrected by the docs team).";
        File.WriteAllText(Artifact, json.ToJsonString());
        _h.Server.ClearLog();

        var rerun = await _h.RunAsync("batch", "docs", "--output", "summaries.json");

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Empty(_h.Server.ChatRequests);
        Assert.Contains("corrected by the docs team", File.ReadAllText(Artifact), StringComparison.Ordinal);

        _h.Write("sample_story.txt", "Once upon a time a linker dreamed.");
        var edited = await _h.RunAsync("batch", "docs", "--output", "summaries.json");

        Assert.True(edited.ExitCode == 0, edited.ToString());
        Assert.Equal(["sample_story.txt"], _h.Server.ChatRequests.Select(c => c.FileName));
        Assert.DoesNotContain("corrected by the docs team", File.ReadAllText(Artifact), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_PassesWithNoModelWhenCurrent_AndNamesTheFileAndLineWhenAnInputChanged_WritingNothing()
    {
        Assert.Equal(0, (await _h.RunAsync("batch", "docs", "--output", "summaries.json")).ExitCode);
        var committed = File.ReadAllBytes(Artifact);

        var current = await _h.RunAsync("batch", "docs", "--output", "summaries.json", "--verify", "--cache-mode", "Locked", "--endpoint", NoServer, "--cache-directory", FreshCache());
        Assert.True(current.ExitCode == 0, current.ToString());
        Assert.Contains($"Verified: {Artifact} is current", current.Out, StringComparison.Ordinal);

        _h.Write("technical_spec.txt", "The system shall cache by content hash, and verify.");
        var stale = await _h.RunAsync("batch", "docs", "--output", "summaries.json", "--verify", "--cache-mode", "Locked", "--endpoint", NoServer, "--cache-directory", FreshCache());

        Assert.Equal(1, stale.ExitCode);
        Assert.Matches(StaleArtifactLine(), stale.Error);
        Assert.Contains("run the same command without --verify", stale.Error, StringComparison.Ordinal);
        Assert.Contains("technical_spec.txt: cache miss in Locked mode", stale.Out, StringComparison.Ordinal);
        Assert.Equal(committed, File.ReadAllBytes(Artifact));
    }

    [Fact]
    public async Task Verify_WithoutAnOutput_SaysWhatItNeeds()
    {
        var result = await _h.RunAsync("batch", "docs", "--verify");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--verify compares the artifact named by --output", result.Error, StringComparison.Ordinal);
        Assert.Empty(_h.Server.ChatRequests);
    }

    [Fact]
    public async Task GitHubStepSummary_GetsATableRowPerBatch_AndTheFailures()
    {
        var summary = Path.Combine(_h.Root, "step-summary.md");
        File.WriteAllText(summary, "earlier step\n");
        _h.Write("empty.txt", string.Empty);
        _h.Server.InjectFault(Gleitzeit.Testing.ServerFault.BadRequest, times: 5, match: "compiler");

        var result = await _h.RunAsync(interactive: false, new Dictionary<string, string> { ["GITHUB_STEP_SUMMARY"] = summary }, "batch", "docs", "--retries", "0");

        Assert.Equal(1, result.ExitCode);
        var text = File.ReadAllText(summary);
        Assert.StartsWith("earlier step\n### gleitzeit: batch_", text, StringComparison.Ordinal);
        Assert.Contains("| batch | items | from artifact | from cache | sent | failed | tokens in | tokens out | time |", text, StringComparison.Ordinal);
        Assert.Matches(@"\| batch_[0-9_-]+ \| 4 \| 0 \| 0 \| 3 \| 1 \| [1-9][0-9]* \| [1-9][0-9]* \| [0-9.]+ s \|", text);
        Assert.Contains("- `sample_story.txt` (", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fifo")]
    [InlineData("directory")]
    [InlineData("missing folder")]
    public async Task GitHubStepSummaryThatCannotTakeTheTable_IsOneWarning_AndTheBatchStillSucceeds(string kind)
    {
        var summary = Path.Combine(_h.Root, "summary-" + kind.Replace(' ', '-'));
        switch (kind)
        {
            case "fifo":
                Gleitzeit.Testing.Unix.MakeFifo(summary);
                break;
            case "directory":
                Directory.CreateDirectory(summary);
                break;
            default:
                summary = Path.Combine(summary, "step.md");
                break;
        }

        // A child process: a FIFO no one reads would block the end of the run for ever (bounded by the harness).
        var result = await _h.RunProcessAsync(new Dictionary<string, string> { ["GITHUB_STEP_SUMMARY"] = summary }, "batch", "docs");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Single(result.Error.Split('\n'), line => line.StartsWith("gleitzeit: warning GZ3005: the job summary " + summary, StringComparison.Ordinal));
        Assert.Equal(3, _h.Server.ChatRequests.Count);
    }

    [Fact]
    public async Task ABudgetBelowTheEstimate_SendsNothing_AndNamesTheEstimate()
    {
        var result = await _h.RunAsync("batch", "docs", "--max-tokens-total", "10");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(_h.Server.ChatRequests);
        Assert.Matches(@"error GZ4003: the 3 item\(s\) to send need about [0-9]+ prompt tokens \(estimated; answers come on top\), over --max-tokens-total 10", result.Error);
    }

    [Fact]
    public async Task ABudgetTheServedTokensReach_StopsSending_AndTheRestResumesWithALargerOne()
    {
        for (var i = 0; i < 9; i++)
        {
            _h.Write($"more{i}.txt", $"Document number {i} has a few words in it.");
        }

        // This server counts a token per character: what it reports passes the estimate (three bytes a token).
        _h.Server.CharactersPerToken = 1;
        var refused = await _h.RunAsync("batch", "docs", "--max-tokens-total", "1");
        var estimate = long.Parse(EstimateIn().Match(refused.Error).Groups[1].Value, CultureInfo.InvariantCulture);

        // The estimate passes; the server reports prompt and answer tokens, which pass it before the end.
        var halted = await _h.RunAsync("batch", "docs", "--max-tokens-total", estimate.ToString(CultureInfo.InvariantCulture), "--concurrency", "1");

        Assert.Equal(2, halted.ExitCode);
        Assert.Contains("error GZ4003: the server reported", halted.Error, StringComparison.Ordinal);
        var record = new ResultStore(_h.ResultsDirectory).List().OrderBy(r => r.CreatedAt).Last();
        Assert.InRange(record.Successful, 1, 11);
        Assert.Equal(12 - record.Successful, record.NotRun);

        var resumed = await _h.RunAsync("batch-resume", record.BatchId, "--max-tokens-total", "1000000");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(12, new ResultStore(_h.ResultsDirectory).Load(record.BatchId)!.Successful);
    }

    [GeneratedRegex(@"\): error GZ3006: not current for its inputs \(line [0-9]+: - .* / \+ .*\)", RegexOptions.CultureInvariant)]
    private static partial Regex StaleArtifactLineBody();

    private Regex StaleArtifactLine() => new(Regex.Escape(Artifact) + @"\([0-9]+,1" + StaleArtifactLineBody().ToString(), RegexOptions.CultureInvariant);

    [GeneratedRegex(@"need about ([0-9]+) prompt tokens", RegexOptions.CultureInvariant)]
    private static partial Regex EstimateIn();
}

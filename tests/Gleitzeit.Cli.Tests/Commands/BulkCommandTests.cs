using System.Diagnostics;
using System.Text.Json.Nodes;
using Gleitzeit.Testing;

namespace Gleitzeit.Cli.Tests.Commands;

/// <summary>
/// <c>gleitzeit batch --bulk</c> as a child process against the OpenAI test server's Batch API: killed with SIGKILL at
/// each step of a submission, it never submits a key twice nor loses a batch, and what it collects keys as a live call.
/// </summary>
public sealed class BulkCommandTests : IAsyncLifetime
{
    private const int Files = 1000;
    private CliHarness _h = null!;
    private OpenAiTestServer _server = null!;
    private readonly SecretCanary _key = new();

    public async Task InitializeAsync()
    {
        _h = await CliHarness.StartAsync();
        _server = await OpenAiTestServer.StartAsync();
        _server.RequiredKey = _key.Value;
        for (var i = 0; i < Files; i++)
        {
            _h.Write($"page-{i:D4}.md", $"# Page {i}\n\nPage {i} explains step {i * 7 % 13} of the setup.");
        }
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _h.DisposeAsync();
    }

    private Dictionary<string, string> Environment => new() { ["OPENAI_API_KEY"] = _key.Value, ["OPENAI_BASE_URL"] = _server.Endpoint + "/v1" };

    private static readonly string[] Batch = ["batch", "docs", "--provider", "openai", "--model", "gpt-4o-mini", "--output", "summaries.json"];

    // Runs gleitzeit --bulk and kills it (SIGKILL, the whole tree) the moment the server reaches <paramref name="step"/>.
    private async Task KilledAtAsync(BatchApiStep step)
    {
        using var process = _h.StartWith(Environment, [.. Batch, "--bulk"]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var killed = await _server.KillAtAsync(process, step, TimeSpan.FromSeconds(60));
        Assert.True(killed, $"gleitzeit ended before {step}:\n{await stdout}\n{await stderr}");
    }

    [Fact]
    public async Task KilledAtEveryStepOfASubmission_ThenCollected_EveryItemIsAnsweredOnce_AndALiveRunSendsNothing()
    {
        _server.BatchTimeScale = 0;

        // Before the upload is read; after it is stored (its id never received); before the create; after it (its id never received).
        await KilledAtAsync(BatchApiStep.UploadReceived);
        await KilledAtAsync(BatchApiStep.UploadStored);
        await KilledAtAsync(BatchApiStep.CreateReceived);
        await KilledAtAsync(BatchApiStep.BatchCreated);

        var submitted = await _h.RunProcessAsync(Environment, [.. Batch, "--bulk"]);
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        Assert.Contains($"{Files} submitted", submitted.Out, StringComparison.Ordinal);
        Assert.Contains("warning GZ2013", submitted.Error, StringComparison.Ordinal);

        var created = Assert.Single(_server.BatchesCreated);
        Assert.Equal(2, _server.Uploads.Count);
        var orphan = _server.Uploads[0];
        Assert.NotEqual(created.InputFileId, orphan.Id);
        Assert.Contains(orphan.Id, _server.FilesDeleted);

        var show = await _h.RunProcessAsync(Environment, "batch-show", "last");
        Assert.True(show.Out.Contains($"Remote batch {created.Id}: validating, 0/{Files} answered, 0 failed", StringComparison.Ordinal), show.ToString());
        var list = await _h.RunProcessAsync(Environment, "batch-list");
        Assert.True(list.Out.Contains($"[{created.Id} validating]", StringComparison.Ordinal), list.ToString());

        _server.BatchTimeScale = 600;
        _server.AdvanceBatchClock(TimeSpan.FromHours(1));
        var collected = await _h.RunProcessAsync(Environment, [.. Batch, "--bulk", "--wait", "2m"]);
        Assert.True(collected.ExitCode == 0, collected.ToString());
        Assert.Contains($"{Files} files, {Files} ok (0 from cache, 0 sent, {Files} collected from the Batch API)", collected.Out, StringComparison.Ordinal);
        Assert.Single(_server.BatchesCreated);
        Assert.Empty(_server.ChatRequests);
        var artifact = JsonNode.Parse(File.ReadAllText(Path.Combine(_h.Root, "summaries.json")))!;
        var results = artifact["results"]!.AsArray();
        Assert.Equal(Files, results.Count);
        Assert.Equal(Files, results.Select(r => r!["cache_key"]!.GetValue<string>()).Distinct(StringComparer.Ordinal).Count());
        Assert.All(results, r => Assert.Equal("success", r!["status"]!.GetValue<string>()));

        var live = await _h.RunProcessAsync(Environment, Batch);
        Assert.True(live.ExitCode == 0, live.ToString());
        Assert.Contains($"{Files} ok ({Files} from the artifact, 0 from cache, 0 sent)", live.Out, StringComparison.Ordinal);
        Assert.Empty(_server.ChatRequests);

        _key.AssertNowhere([_h.Root], submitted.Out, submitted.Error, collected.Out, collected.Error, live.Out, live.Error, show.Out, list.Out);
        Assert.Empty(Directory.EnumerateFiles(_h.Root, "*.jsonl", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ADryRun_SaysTheMissesWouldGoToTheBatchApi_AndContactsNothing()
    {
        var dry = await _h.RunProcessAsync(Environment, [.. Batch, "--bulk", "--dry-run"]);

        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains($"{Files} files: 0 cached, {Files} to submit to the Batch API of {_server.Endpoint}/v1 for gpt-4o-mini", dry.Out, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task WaitWithoutBulk_IsAnError_NotALiveRunAtFullPrice()
    {
        var run = await _h.RunProcessAsync(Environment, [.. Batch, "--wait", "5s"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--wait waits for the answers of Batch API jobs: add --bulk", run.Error, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task BatchResume_OfASubmittedBatch_CollectsIt_WithoutBeingToldBulkAgain()
    {
        _server.BatchTimeScale = 0;
        var submitted = await _h.RunProcessAsync(Environment, [.. Batch, "--bulk"]);
        Assert.True(submitted.ExitCode == 0, submitted.ToString());

        _server.BatchTimeScale = 600;
        _server.AdvanceBatchClock(TimeSpan.FromHours(1));
        var resumed = await _h.RunProcessAsync(Environment, "batch-resume", "last");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"{Files} ok (0 from cache, 0 sent, {Files} collected from the Batch API)", resumed.Out, StringComparison.Ordinal);
        Assert.Empty(_server.ChatRequests);
        Assert.Single(_server.BatchesCreated);
    }
}

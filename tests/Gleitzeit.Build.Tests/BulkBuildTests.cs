using System.Diagnostics;
using System.Text.Json.Nodes;
using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>
/// <c>GleitzeitExecution=bulk</c> in real builds against the OpenAI test server's Batch API: builds killed at every step
/// of a submission (before and after the upload, before and after the batch is made) lose nothing and submit nothing
/// twice, the next one says how many requests wait, a later one collects them into the artifact, and a Locked CI build
/// of the commit sends nothing.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class BulkBuildTests(PackedFeed feed) : IAsyncLifetime
{
    private const int Files = 1000;
    private const string Items = """<GleitzeitBatch Include="docs/**/*.md" Batch="pages" Prompt="Summarize this page in one sentence." />""";
    private const string Properties = "<GleitzeitProvider>openai</GleitzeitProvider><GleitzeitModel>gpt-4o-mini</GleitzeitModel><GleitzeitExecution>bulk</GleitzeitExecution><GleitzeitOutputDirectory>summaries/</GleitzeitOutputDirectory>";
    private OllamaTestServer _ollama = null!;
    private OpenAiTestServer _server = null!;
    private ConsumerProject _project = null!;
    private readonly SecretCanary _key = new();

    public async Task InitializeAsync()
    {
        _ollama = await OllamaTestServer.StartAsync();
        _server = await OpenAiTestServer.StartAsync();
        _server.RequiredKey = _key.Value;
        _project = new ConsumerProject(feed, _ollama);
        _project.WriteProject(Items, Properties);
        for (var i = 0; i < Files; i++)
        {
            _project.Write($"docs/page-{i:D4}.md", $"# Page {i}\n\nPage {i} covers step {i % 17} of the guide.\n");
        }
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    private Dictionary<string, string> Environment()
    {
        var environment = _project.Environment();
        environment["OPENAI_API_KEY"] = _key.Value;
        environment["OPENAI_BASE_URL"] = _server.Endpoint + "/v1";
        return environment;
    }

    private string Artifact => Path.Combine(_project.Directory, "summaries", "pages.json");

    // A build killed (with its MSBuild nodes and the CLI under them) when the Batch API server reaches step.
    private async Task KilledAtAsync(BatchApiStep step)
    {
        using var build = Dotnet.Start(_project.Directory, Environment(), ["build", "-nr:false", "-v:n"]);
        var output = build.StandardOutput.ReadToEndAsync();
        var killed = await _server.KillAtAsync(build, step, TimeSpan.FromMinutes(3), alsoKill: () =>
        {
            foreach (var worker in _project.Workers())
            {
                Process.GetProcessById(worker).Kill();
            }
        });
        Assert.True(killed, $"the build ended before {step}:\n{await output}");
    }

    [Fact]
    public async Task BuildsKilledAtEveryStepOfASubmission_ThenBuildsThatWarnAndCollect_AnswerEveryPageOnce_AndLockedCiSendsNothing()
    {
        _server.BatchTimeScale = 0;

        // Before the upload is read; after it is stored (its id never received); before the create; after it (its id never received).
        await KilledAtAsync(BatchApiStep.UploadReceived);
        await KilledAtAsync(BatchApiStep.UploadStored);
        await KilledAtAsync(BatchApiStep.CreateReceived);
        await KilledAtAsync(BatchApiStep.BatchCreated);

        var submitted = _project.BuildWith(Environment());
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        Assert.Contains("warning GZ2013", submitted.Output, StringComparison.Ordinal);
        Assert.Contains($"{Files} request(s) wait in the Batch API", submitted.Output, StringComparison.Ordinal);
        Assert.Contains("0 submitted by this build", submitted.Output, StringComparison.Ordinal);
        var created = Assert.Single(_server.BatchesCreated);
        Assert.Equal(2, _server.Uploads.Count);
        var orphan = _server.Uploads[0];
        Assert.NotEqual(created.InputFileId, orphan.Id);
        Assert.Contains(orphan.Id, _server.FilesDeleted);

        _server.BatchTimeScale = 600;
        _server.AdvanceBatchClock(TimeSpan.FromHours(1));
        var collected = _project.BuildWith(Environment());
        Assert.True(collected.ExitCode == 0, collected.ToString());
        Assert.DoesNotContain("GZ2013", collected.Output, StringComparison.Ordinal);
        var results = JsonNode.Parse(File.ReadAllText(Artifact))!["results"]!.AsArray();
        Assert.Equal(Files, results.Count);
        Assert.All(results, r => Assert.Equal("success", r!["status"]!.GetValue<string>()));
        Assert.Single(_server.BatchesCreated);
        Assert.Empty(_server.ChatRequests);

        // The pull request's CI: a fresh clone, Locked and verifying, no cache: the committed artifact answers all.
        var requests = _server.Requests.Count;
        var ci = _project.CleanCiBuild($"-p:GleitzeitEndpoint={_server.Endpoint}/v1");
        Assert.True(ci.ExitCode == 0, ci.ToString());
        Assert.Equal(requests, _server.Requests.Count);
        _key.AssertNowhere([_project.Root], submitted.Output, collected.Output, ci.Output);
    }
}

using System.Text.Json.Nodes;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Results;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Execution;

/// <summary>A workspace, a running Ollama-protocol test server and a way to run batches over the workspace's docs through the engine.</summary>
public sealed class BatchHarness : IAsyncDisposable
{
    private BatchHarness(OllamaTestServer server)
    {
        Server = server;
    }

    public TestWorkspace Workspace { get; } = new();

    public OllamaTestServer Server { get; }

    public List<BatchProgressEvent> Events { get; } = [];

    public static async Task<BatchHarness> StartAsync(int slots = 4, TimeSpan latency = default) =>
        new(await OllamaTestServer.StartAsync(slots, latency));

    public BatchSettings Settings { get; set; } = null!;

    /// <summary>The clock the engine runs on; the system's unless a test sets one.</summary>
    public TimeProvider? Time { get; set; }

    public BatchSettings CurrentSettings => Settings ?? Workspace.Settings(Server.Endpoint);

    public ResultStore Store => new(CurrentSettings.ResultsDirectory);

    public static PromptTemplate Template(string prompt = "Summarize this document", string model = "llama3.2:latest", string? system = null, JsonObject? options = null, bool vision = false, Gleitzeit.Batch.Review.ReviewSpec? review = null, JsonNode? format = null) =>
        new() { Messages = PromptMessage.FromPrompt(prompt, system), Model = model, Options = options, Vision = vision, Review = review, Format = format };

    public BatchPlan Plan(PromptTemplate? template = null, string pattern = "*", long maxFileSize = 1_048_576) =>
        BatchPlan.ForFiles(
            Workspace.Docs,
            FileDiscovery.Discover(new DiscoveryRequest { Root = Workspace.Docs, Scan = true, Patterns = [pattern], Recursive = true, MaxFileSize = maxFileSize }),
            template ?? Template(),
            [],
            BatchSource.Cli,
            name: "docs");

    public GleitzeitEngine Engine(BatchSettings? settings = null) => new(settings ?? CurrentSettings, new SyncProgress(Events), Time);

    public async Task<BatchOutcome> RunAsync(BatchPlan? plan = null, BatchSettings? settings = null, CancellationToken cancellationToken = default)
    {
        using var engine = Engine(settings);
        return await engine.RunAsync(plan ?? Plan(), cancellationToken);
    }

    public async Task<BatchOutcome> ResumeAsync(string batchId, BatchSettings? settings = null)
    {
        using var engine = Engine(settings);
        return await engine.ResumeAsync(batchId);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Workspace.Dispose();
    }

    private sealed class SyncProgress(List<BatchProgressEvent> events) : IProgress<BatchProgressEvent>
    {
        public void Report(BatchProgressEvent value)
        {
            lock (events)
            {
                events.Add(value);
            }
        }
    }
}

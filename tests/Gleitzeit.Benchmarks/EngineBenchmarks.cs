using Gleitzeit.Batch;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Results;
using Gleitzeit.Testing;

namespace Gleitzeit.Benchmarks;

/// <summary>The engine in this process against the test server: wall time vs ideal, and a forced cache-hit pass.</summary>
internal static class EngineBenchmarks
{
    private const int Slots = 4;
    private static readonly TimeSpan Latency = TimeSpan.FromSeconds(0.2);

    public static async Task RunAsync()
    {
        Console.WriteLine("== engine (in-process GleitzeitEngine, test server: 4 slots, 0.2 s per reply, concurrency 5, the default)");
        await using var server = await OllamaTestServer.StartAsync(Slots, Latency);
        using (var warmUp = new BenchmarkWorkspace(4, 200))
        {
            // Both the engine and the test server run in this process: warm their code paths first.
            await TimeBatchAsync(warmUp, warmUp.Settings(server.Endpoint, 5));
        }

        foreach (var n in new[] { 10, 200, 1000 })
        {
            using var workspace = new BenchmarkWorkspace(n, 200);
            var settings = workspace.Settings(server.Endpoint, 5);
            var elapsed = await TimeBatchAsync(workspace, settings);
            var ideal = Math.Ceiling(n / (double)Slots) * Latency.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"N={n,5}: {elapsed.TotalSeconds,7:0.000} s, ideal {ideal,6:0.0} s, ratio {elapsed.TotalSeconds / ideal:0.000} (target <= 1.05)"));
        }

        using (var workspace = new BenchmarkWorkspace(10_000, 200))
        {
            server.Latency = TimeSpan.Zero;
            var settings = workspace.Settings(server.Endpoint, 16);
            var cold = await TimeBatchAsync(workspace, settings);
            server.ClearLog();
            var hits = await TimeBatchAsync(workspace, settings);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"10,000 small files: cold {cold.TotalSeconds:0.00} s; forced cache-hit pass {hits.TotalSeconds:0.000} s with {server.ChatRequests.Count} model calls (target <= 2 s)"));
        }
    }

    private static async Task<TimeSpan> TimeBatchAsync(BenchmarkWorkspace workspace, BatchSettings settings)
    {
        var clock = Stopwatch.StartNew();
        var files = FileDiscovery.Discover(new DiscoveryRequest { Root = workspace.Docs, Scan = true, Patterns = ["*.txt"] });
        var plan = BatchPlan.ForFiles(
            workspace.Docs,
            files,
            new PromptTemplate { Messages = PromptMessage.FromPrompt("Summarize", null), Model = "llama3.2:latest" },
            [],
            BatchSource.Cli);
        using var engine = new GleitzeitEngine(settings);
        var outcome = await engine.RunAsync(plan);
        if (!outcome.AllSucceeded)
        {
            throw new InvalidOperationException($"benchmark batch failed: {outcome.Record.Error}");
        }

        return clock.Elapsed;
    }
}

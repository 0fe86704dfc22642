using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using Gleitzeit.Batch;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Planning;

namespace Gleitzeit.Benchmarks;

/// <summary>
/// Where a live run's memory goes: the engine in process against an OpenAI-protocol server in another process
/// (<c>serve-openai</c>), the bytes allocated per request, and the runtime's allocation samples (one per ~100 KB) by
/// type. For profiling from a shell.
/// </summary>
internal static class AllocationProfile
{
    public static async Task RunAsync(string endpoint, int files, int slots)
    {
        await RunOnceAsync(endpoint, 50, slots);
        using var sampler = new AllocationSampler();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var gcs = GC.CollectionCount(0);
        var requests = await RunOnceAsync(endpoint, files, slots);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{requests} requests at {slots} slots: {allocated / (double)requests / 1024:0.0} KB allocated per request, {GC.CollectionCount(0) - gcs} gen0 collections"));
        foreach (var (type, bytes) in sampler.ByType().Take(40))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)requests / 1024,8:0.00} KB/request  {type}"));
        }
    }

    private static async Task<int> RunOnceAsync(string endpoint, int files, int slots)
    {
        using var workspace = new BenchmarkWorkspace(files, 1300);
        var settings = workspace.Settings(endpoint, slots) with
        {
            Provider = "openai",
            Environment = name => name == "OPENAI_API_KEY" ? "k" : null,
        };
        var plan = PlanBuilder.ForFiles(
            workspace.Docs,
            FileDiscovery.Discover(new DiscoveryRequest { Root = workspace.Docs, Scan = true, Patterns = ["*.txt"] }),
            new PromptTemplate { Messages = Batch.Inputs.PromptMessage.FromPrompt("Summarize", null), Model = "gpt-4o-mini" },
            [],
            BatchSource.Cli);
        using var engine = new GleitzeitEngine(settings);
        var outcome = await engine.RunAsync(plan);
        return outcome.AllSucceeded ? files : throw new InvalidOperationException("profiled batch failed: " + outcome.Record.Error);
    }

    // The runtime's GCAllocationTick events (keyword GC, verbose): a type name and the bytes since the last sample.
    private sealed class AllocationSampler : EventListener
    {
        private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);

        public IEnumerable<(string Type, long Bytes)> ByType() => _bytes.OrderByDescending(p => p.Value).Select(p => (p.Key, p.Value));

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.PayloadNames is null)
            {
                return;
            }

            var type = eventData.PayloadNames.IndexOf("TypeName") is >= 0 and var t ? eventData.Payload![t] as string ?? "?" : "?";
            var amount = eventData.PayloadNames.IndexOf("AllocationAmount64") is >= 0 and var a ? Convert.ToInt64(eventData.Payload![a], CultureInfo.InvariantCulture) : 100_000;
            _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
        }
    }
}

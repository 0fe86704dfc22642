using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Gleitzeit.Batch;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Testing;

namespace Gleitzeit.Benchmarks;

/// <summary>The model servers CI reaches: an OpenAI-protocol server unlimited and rate-limited, two Ollama servers, and a vLLM-class server.</summary>
internal static class ProviderBenchmarks
{
    private const string Key = "sk-benchmark";
    private static readonly TimeSpan Latency = TimeSpan.FromSeconds(0.2);

    /// <param name="only">One of <c>unlimited</c>, <c>servers</c>, <c>vllm</c>, <c>limited</c>, <c>concurrency</c>; null for all.</param>
    public static async Task RunAsync(string? only = null)
    {
        if (only is null or "unlimited")
        {
            await UnlimitedAsync();
        }

        if (only is null or "servers")
        {
            await TwoOllamaServersAsync();
        }

        if (only is null or "vllm")
        {
            await ContinuousBatchingAsync();
        }

        if (only is null or "limited")
        {
            await RateLimitedAsync();
        }

        if (only is null or "concurrency")
        {
            await HighConcurrencyAsync();
        }
    }

    private static async Task UnlimitedAsync()
    {
        Console.WriteLine("== OpenAI-protocol server, 4 slots, 0.2 s per reply, concurrency 5");
        await using var server = await OpenAiTestServer.StartAsync(4, Latency);
        server.RequiredKey = Key;
        await TimeAsync(server, 4, concurrency: 5, warmUp: true);
        var elapsed = await TimeAsync(server, 200, concurrency: 5);
        var ideal = Math.Ceiling(200 / 4.0) * Latency.TotalSeconds;
        Console.WriteLine(Line($"N=200: {elapsed.TotalSeconds:0.000} s, ideal {ideal:0.0} s, ratio {elapsed.TotalSeconds / ideal:0.000} (target <= 1.05)"));
    }

    private static async Task TwoOllamaServersAsync()
    {
        Console.WriteLine("== two Ollama-protocol servers, 4 slots each, 0.2 s per reply, max_concurrent 4 per server");
        await using var first = await OllamaTestServer.StartAsync(4, Latency);
        await using var second = await OllamaTestServer.StartAsync(4, Latency);
        var endpoint = $"{first.Endpoint};{second.Endpoint}";
        await TimeOllamaAsync(endpoint, 8);
        var elapsed = await TimeOllamaAsync(endpoint, 200);
        var ideal = Math.Ceiling(200 / 8.0) * Latency.TotalSeconds;
        Console.WriteLine(Line($"N=200: {elapsed.TotalSeconds:0.000} s, ideal {ideal:0.0} s, ratio {elapsed.TotalSeconds / ideal:0.000} (target <= 1.05); {first.ChatRequests.Count} and {second.ChatRequests.Count} calls"));
    }

    private static async Task ContinuousBatchingAsync()
    {
        Console.WriteLine("== vLLM-class OpenAI-protocol server: 64 slots, 0.2 s per reply, --concurrency 64, the CLI as a child process");
        await using var server = await OpenAiTestServer.StartAsync(64, Latency);
        server.RequiredKey = Key;
        var ideal = Math.Ceiling(2000 / 64.0) * Latency.TotalSeconds;
        var floor = await ServerFloorAsync(server, 2000, 64);
        Console.WriteLine(Line($"the server alone (raw HTTP, 64 at once, 2,000 calls): {floor.TotalSeconds:0.000} s = {floor.TotalSeconds / ideal:0.000} x ideal: its own limit"));
        using var workspace = new BenchmarkWorkspace(2000, 200);
        var cli = RepositoryLayout.CliAssembly();
        var (wall, cpu, _, _) = RunCli(cli, workspace, server, "batch", workspace.Docs, "--pattern", "*.txt", "--provider", "openai", "--model", "gpt-4o-mini", "--concurrency", "64");
        Console.WriteLine(Line($"N=2000 through {Path.GetFileName(cli)}: {wall.TotalSeconds:0.000} s, ideal {ideal:0.0} s, ratio {wall.TotalSeconds / ideal:0.000} (target <= 1.1); client CPU {cpu.TotalSeconds:0.00} s"));
    }

    // Slow answers at high concurrency: the client must keep every slot busy (ramp-up, then no gaps) and spend little CPU
    // per request, with memory that does not grow with the number of files.
    private static async Task HighConcurrencyAsync()
    {
        var latency = TimeSpan.FromSeconds(1.5);
        Console.WriteLine("== high concurrency: a streaming OpenAI-protocol server with N slots (its first chunk at once, the answer 1.5 s later), --concurrency N, the CLI as a child process");
        var cli = RepositoryLayout.CliAssembly();

        // Each run's workspace is removed after the last run: deleting thousands of files just before the next run would
        // make the file system (ext4's inode allocator) slower for it than for any real build.
        var workspaces = new List<BenchmarkWorkspace>();
        try
        {
            foreach (var (slots, files) in new[] { (64, 2000), (128, 2000), (256, 2000), (256, 500) })
            {
                await HighConcurrencyRunAsync(cli, latency, slots, files, workspaces);
            }
        }
        finally
        {
            workspaces.ForEach(w => w.Dispose());
        }
    }

    private static async Task HighConcurrencyRunAsync(string cli, TimeSpan latency, int slots, int files, List<BenchmarkWorkspace> workspaces)
    {
        {
            await using var server = await OpenAiTestServer.StartAsync(slots, latency);
            server.RequiredKey = Key;
            server.QueueLimit = slots * 4;
            server.StreamsBeforeLatency = true;
            var workspace = new BenchmarkWorkspace(files, 200);
            workspaces.Add(workspace);
            var ideal = Math.Ceiling(files / (double)slots) * latency.TotalSeconds;
            var started = DateTime.UtcNow;
            var (wall, cpu, kernel, rss) = RunCli(cli, workspace, server, "batch", workspace.Docs, "--pattern", "*.txt", "--provider", "openai", "--model", "gpt-4o-mini", "--concurrency", slots.ToString(CultureInfo.InvariantCulture));
            var arrivals = server.ChatRequests.Select(r => r.ReceivedAt).Order().ToList();
            var first = (arrivals[0] - started).TotalSeconds;
            var full = (arrivals[Math.Min(slots, arrivals.Count) - 1] - arrivals[0]).TotalSeconds;
            Console.WriteLine(Line($"{slots} slots, N={files} through {Path.GetFileName(cli)}: {wall.TotalSeconds:0.000} s, ideal {ideal:0.0} s, ratio {wall.TotalSeconds / ideal:0.000} (target <= 1.05 at 256); client CPU {cpu.TotalSeconds:0.00} s = {cpu.TotalMilliseconds / files:0.00} ms per request (target <= 0.5; in the kernel {kernel.TotalMilliseconds / files:0.00} ms); peak RSS {rss / 1024.0:0} MB; first request {first:0.000} s after start, all {slots} slots busy {full:0.000} s after it; {server.ChatRequests.Count} calls, peak {server.PeakInFlight} in flight"));
        }
    }

    private static async Task RateLimitedAsync()
    {
        Console.WriteLine("== OpenAI-protocol server limited to 120 requests a minute (burst 10), concurrency 5");
        await using var server = await OpenAiTestServer.StartAsync(4, Latency);
        server.RequiredKey = Key;
        server.RequestsPerMinute = 120;
        server.Burst = 10;
        using var workspace = new BenchmarkWorkspace(200, 200);
        var clock = Stopwatch.StartNew();
        var outcome = await RunAsync(workspace, server, 5);
        var ideal = 200 / 2.0;
        var refused = server.Requests.Count(r => r.StatusCode == 429);
        Console.WriteLine(Line($"N=200: {clock.Elapsed.TotalSeconds:0.0} s, N/rate {ideal:0} s, ratio {clock.Elapsed.TotalSeconds / ideal:0.000} (target <= 1.1); {outcome.Record.Failed} failed; {refused} answered 429; most requests in any 60 s: {server.MaxRequestsInAnyWindow(TimeSpan.FromSeconds(60))} (limit + burst 130)"));
    }

    private static async Task<TimeSpan> TimeAsync(OpenAiTestServer server, int n, int concurrency, bool warmUp = false)
    {
        using var workspace = new BenchmarkWorkspace(n, 200);
        var clock = Stopwatch.StartNew();
        var outcome = await RunAsync(workspace, server, concurrency);
        if (!outcome.AllSucceeded && !warmUp)
        {
            throw new InvalidOperationException("benchmark batch failed: " + outcome.Record.Error);
        }

        return clock.Elapsed;
    }

    private static async Task<Batch.Execution.BatchOutcome> RunAsync(BenchmarkWorkspace workspace, OpenAiTestServer server, int concurrency)
    {
        var settings = workspace.Settings(server.Endpoint + "/v1", concurrency) with
        {
            Provider = "openai",
            Environment = name => name == "OPENAI_API_KEY" ? Key : null,
        };
        using var engine = new GleitzeitEngine(settings);
        return await engine.RunAsync(Plan(workspace, "gpt-4o-mini"));
    }

    private static async Task<TimeSpan> TimeOllamaAsync(string endpoint, int n)
    {
        using var workspace = new BenchmarkWorkspace(n, 200);
        var clock = Stopwatch.StartNew();
        using var engine = new GleitzeitEngine(workspace.Settings(endpoint, 4));
        var outcome = await engine.RunAsync(Plan(workspace, "llama3.2:latest"));
        return outcome.AllSucceeded ? clock.Elapsed : throw new InvalidOperationException("benchmark batch failed: " + outcome.Record.Error);
    }

    private static BatchPlan Plan(BenchmarkWorkspace workspace, string model) =>
        PlanBuilder.ForFiles(
            workspace.Docs,
            FileDiscovery.Discover(new DiscoveryRequest { Root = workspace.Docs, Scan = true, Patterns = ["*.txt"] }),
            new PromptTemplate { Messages = Batch.Inputs.PromptMessage.FromPrompt("Summarize", null), Model = model },
            [],
            BatchSource.Cli);

    private static async Task<TimeSpan> ServerFloorAsync(OpenAiTestServer server, int n, int parallel)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server.Endpoint + "/v1/") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, token) =>
        {
            using var response = await http.PostAsJsonAsync("chat/completions", new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = $"floor {i}" } } }, token);
            response.EnsureSuccessStatusCode();
        });
        server.ClearLog();
        return clock.Elapsed;
    }

    // The CLI as a child process under bash's `times`, which prints the CPU its children used (user and system), and GNU
    // time for its peak memory (KB). System time is reported apart: it is where the disk's state shows (docs/benchmarks.md).
    private static (TimeSpan Wall, TimeSpan Cpu, TimeSpan Kernel, long PeakKilobytes) RunCli(string cli, BenchmarkWorkspace workspace, OpenAiTestServer server, params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        var memory = Path.Combine(workspace.Root, "peak-rss.txt");
        info.ArgumentList.Add($"/usr/bin/time -o '{memory}' -f %M \"$@\" > /dev/null; times");
        info.ArgumentList.Add("bash");
        if (cli.EndsWith(".dll", StringComparison.Ordinal))
        {
            info.ArgumentList.Add("dotnet");
        }

        info.ArgumentList.Add(cli);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["GLEITZEIT_HOME"] = workspace.Home;
        info.Environment["OPENAI_API_KEY"] = Key;
        info.Environment["OPENAI_BASE_URL"] = server.Endpoint + "/v1";
        info.Environment["CI"] = "true";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var wall = clock.Elapsed;
        var children = output.Trim().Split('\n')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var peak = File.Exists(memory) && long.TryParse(File.ReadAllText(memory).Trim().Split('\n')[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : 0;
        return (wall, Minutes(children[0]) + Minutes(children[1]), Minutes(children[1]), peak);
    }

    // bash's `times` writes 0m1.234s.
    private static TimeSpan Minutes(string text)
    {
        var m = text.IndexOf('m', StringComparison.Ordinal);
        return TimeSpan.FromMinutes(double.Parse(text[..m], CultureInfo.InvariantCulture)) + TimeSpan.FromSeconds(double.Parse(text[(m + 1)..^1], CultureInfo.InvariantCulture));
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

using System.Diagnostics;
using System.Globalization;
using Gleitzeit.Testing;

namespace Gleitzeit.Benchmarks;

/// <summary><c>gleitzeit</c> as a child process against the test server: wall time, start-up to first request, peak memory.</summary>
internal static class CliBenchmarks
{
    private const int Slots = 4;

    public static async Task RunAsync()
    {
        var cli = RepositoryLayout.CliAssembly();
        Console.WriteLine($"== gleitzeit CLI ({cli}), test server: 4 slots, 0.2 s per reply, --concurrency 5 (default)");
        await using var server = await OllamaTestServer.StartAsync(Slots, TimeSpan.FromSeconds(0.2));
        using (var warmUp = new BenchmarkWorkspace(4, 200))
        {
            // Warms the test server (it runs in this process) so its own first-request costs are not counted.
            await RunCliAsync(cli, warmUp, server, "batch", warmUp.Docs, "--pattern", "*.txt");
        }

        foreach (var n in Environment.GetEnvironmentVariable("GLEITZEIT_BENCH_ONLY_MEMORY") == "1" ? [] : new[] { 10, 200 })
        {
            using var workspace = new BenchmarkWorkspace(n, 200);
            server.ClearLog();
            var run = await RunCliAsync(cli, workspace, server, "batch", workspace.Docs, "--pattern", "*.txt", "--concurrency", "5");
            var ideal = Math.Ceiling(n / (double)Slots) * 0.2;
            var firstRequest = server.Requests.Min(r => r.ReceivedAt) - run.StartedAt;
            var firstChat = server.ChatRequests.Min(r => r.ReceivedAt) - run.StartedAt;
            var lastChat = server.ChatRequests.Max(r => r.ReceivedAt) - run.StartedAt;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"N={n,4}: {run.Wall.TotalSeconds:0.000} s wall, ideal {ideal:0.0} s, ratio {run.Wall.TotalSeconds / ideal:0.000}; process start to first request {firstRequest.TotalSeconds:0.000} s, to first chat {firstChat.TotalSeconds:0.000} s, last chat sent at {lastChat.TotalSeconds:0.000} s; peak RSS {run.PeakMegabytes:0} MB"));
        }

        if (Environment.GetEnvironmentVariable("GLEITZEIT_BENCH_SKIP_MEMORY") == "1")
        {
            return;
        }

        server.Latency = TimeSpan.Zero;
        var sizes = Environment.GetEnvironmentVariable("GLEITZEIT_BENCH_MEMORY_FILES") is { Length: > 0 } chosen ? [int.Parse(chosen, CultureInfo.InvariantCulture)] : new[] { 1_000, 10_000 };
        foreach (var files in sizes)
        {
            using var workspace = new BenchmarkWorkspace(files, 100 * 1024);
            var run = await RunCliAsync(cli, workspace, server, "batch", workspace.Docs, "--pattern", "*.txt");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{files,6:N0} x 100 KB files: {run.Wall.TotalSeconds:0.0} s, peak RSS {run.PeakMegabytes:0} MB (target <= 150 MB, flat in N)"));
        }
    }

    private static async Task<CliRun> RunCliAsync(string cli, BenchmarkWorkspace workspace, OllamaTestServer server, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(cli);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["GLEITZEIT_HOME"] = workspace.Home;
        info.Environment["OLLAMA_HOST"] = server.Endpoint;
        info.Environment["CI"] = "true";
        var startedAt = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        long peakKb = 0;
        while (!process.HasExited)
        {
            peakKb = Math.Max(peakKb, PeakKilobytes(process.Id));
            await Task.Delay(20);
        }

        await process.WaitForExitAsync();
        var wall = clock.Elapsed;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"gleitzeit exited {process.ExitCode}: {await errors}\n{await output}");
        }

        return new CliRun(wall, startedAt, peakKb / 1024.0);
    }

    // VmHWM is the process's peak resident set so far.
    private static long PeakKilobytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private sealed record CliRun(TimeSpan Wall, DateTime StartedAt, double PeakMegabytes);
}

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Gleitzeit.Testing;

namespace Gleitzeit.Benchmarks;

/// <summary><c>gleitzeit</c> as a child process against the test server: wall time, start-up to first request, peak memory.</summary>
internal static class CliBenchmarks
{
    private const int Slots = 4;

    public static async Task RunAsync()
    {
        foreach (var (form, cli) in Programs())
        {
            await RunAsync(form, cli);
        }
    }

    /// <summary>
    /// What ships: the native program of the linux-x64 tool package (published here with the AOT compiler) and the
    /// portable <c>any</c> build every other platform gets. <c>GLEITZEIT_CLI</c> measures one program of your choice.
    /// </summary>
    public static IEnumerable<(string Form, string Cli)> Programs()
    {
        if (Environment.GetEnvironmentVariable("GLEITZEIT_CLI") is { Length: > 0 })
        {
            yield return ("chosen", RepositoryLayout.CliAssembly());
            yield break;
        }

        if (RuntimeInformation.RuntimeIdentifier == "linux-x64")
        {
            var root = RepositoryLayout.Root();
            var output = Path.Combine(root, "artifacts", "benchmarks", "native");
            Console.WriteLine("== publishing the native CLI (linux-x64, ahead-of-time compiled) ...");
            var publish = Dotnet.Run(root, null, "publish", Path.Combine(root, "src", "Gleitzeit.Cli"), "-c", "Release", "-r", "linux-x64", "-o", output, "--artifacts-path", Path.Combine(root, "artifacts", "benchmarks", "build"));
            if (publish.ExitCode != 0)
            {
                throw new InvalidOperationException("publishing the native CLI failed:\n" + publish.Output);
            }

            yield return ("native linux-x64", Path.Combine(output, "gleitzeit"));
        }

        yield return ("portable (any)", RepositoryLayout.CliAssembly());
    }

    private static async Task RunAsync(string form, string cli)
    {
        Console.WriteLine($"== gleitzeit CLI, {form} ({cli}), test server: 4 slots, 0.2 s per reply, --concurrency 5 (default)");
        await using var server = await OllamaTestServer.StartAsync(Slots, TimeSpan.FromSeconds(0.2));
        using (var warmUp = new BenchmarkWorkspace(4, 200))
        {
            // Warms the test server (it runs in this process) so its own first-request costs are not counted.
            await RunCliAsync(cli, warmUp, server, "batch", warmUp.Docs, "--pattern", "*.txt");
        }

        // Three runs each (a fresh workspace and cache every time): every run is printed, the last line is the median.
        foreach (var n in Environment.GetEnvironmentVariable("GLEITZEIT_BENCH_ONLY_MEMORY") == "1" ? [] : new[] { 10, 200 })
        {
            var ideal = Math.Ceiling(n / (double)Slots) * 0.2;
            var walls = new List<double>();
            var starts = new List<double>();
            for (var attempt = 0; attempt < 3; attempt++)
            {
                using var workspace = new BenchmarkWorkspace(n, 200);
                server.ClearLog();
                var run = await RunCliAsync(cli, workspace, server, "batch", workspace.Docs, "--pattern", "*.txt", "--concurrency", "5");
                var firstRequest = server.Requests.Min(r => r.ReceivedAt) - run.StartedAt;
                var lastChat = server.ChatRequests.Max(r => r.ReceivedAt) - run.StartedAt;
                walls.Add(run.Wall.TotalSeconds);
                starts.Add(firstRequest.TotalSeconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"N={n,4}: {run.Wall.TotalSeconds:0.000} s wall, ideal {ideal:0.0} s, ratio {run.Wall.TotalSeconds / ideal:0.000}; process start to first request {firstRequest.TotalSeconds:0.000} s, last chat sent at {lastChat.TotalSeconds:0.000} s; peak RSS {run.PeakMegabytes:0} MB"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"N={n,4} median: {Median(walls):0.000} s wall, ratio {Median(walls) / ideal:0.000}, process start to first request {Median(starts):0.000} s"));
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
        var info = RepositoryLayout.CliStartInfo(cli);
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

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

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

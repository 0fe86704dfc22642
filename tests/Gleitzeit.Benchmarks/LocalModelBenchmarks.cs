using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gleitzeit.Batch;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Testing;

namespace Gleitzeit.Benchmarks;

/// <summary>
/// The in-process model: what the engine adds per item over pure generation (tiny model), and prompt and generation
/// tokens per second with the largest random-weight model generated here (~110 MB), through the native and the
/// portable CLI.
/// </summary>
internal static class LocalModelBenchmarks
{
    private const int TokensPerItem = 128;

    public static async Task RunAsync()
    {
        await OverheadAsync(items: 100);
        Throughput();
    }

    // The same prompts and token counts twice: straight through the provider, one call after another, then as a batch
    // (keys, cache, records, progress). One round warms both up; three more are measured, and the medians compared.
    private static async Task OverheadAsync(int items)
    {
        using var workspace = new BenchmarkWorkspace(items, 400);
        var model = Path.Combine(workspace.Root, "endless.gguf");
        TinyGguf.Write(model, new TinyGgufOptions { PeriodBias = -10, ContextLength = 8192 });
        var options = new JsonObject { ["num_predict"] = TokensPerItem, ["seed"] = 1 };
        var settings = workspace.Settings("http://127.0.0.1:9", 5) with { Provider = "local", Model = model, ModelsDirectory = Path.Combine(workspace.Home, "models"), ContextLength = 4096 };
        var files = Directory.GetFiles(workspace.Docs).Order(StringComparer.Ordinal).ToList();
        var timeouts = new ChatTimeouts(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));
        var loops = new List<double>();
        var batches = new List<double>();
        var generated = 0;
        for (var round = 0; round < 4; round++)
        {
            using (var provider = ChatProviders.Create(settings))
            {
                var clock = Stopwatch.StartNew();
                generated = 0;
                foreach (var file in files)
                {
                    generated += (await provider.CompleteAsync(Call(model, file, options, timeouts), CancellationToken.None)).Tokens.Completion;
                }

                loops.Add(clock.Elapsed.TotalSeconds);
            }

            var plan = BatchPlan.ForFiles(
                workspace.Docs,
                FileDiscovery.Discover(new DiscoveryRequest { Root = workspace.Docs, Scan = true, Patterns = ["*.txt"], MaxFileSize = 1 << 20 }),
                new PromptTemplate { Messages = PromptMessage.FromPrompt("Summarize", null), Model = model, Options = options },
                [],
                BatchSource.Cli,
                name: "overhead");
            using var engine = new GleitzeitEngine(settings with { CacheDirectory = Path.Combine(workspace.Home, $"cache-{round}") });
            var batch = Stopwatch.StartNew();
            var outcome = await engine.RunAsync(plan);
            batches.Add(batch.Elapsed.TotalSeconds);
            if (!outcome.AllSucceeded || outcome.Sent != items)
            {
                throw new InvalidOperationException("the overhead batch failed: " + outcome.Record.Error);
            }
        }

        double Median(List<double> values) => values.Skip(1).Order().ElementAt(1);
        var loop = Median(loops);
        var wall = Median(batches);
        Console.WriteLine($"local, tiny model, {items} items x {TokensPerItem} tokens ({generated} generated), {Environment.ProcessorCount} cores, medians of 3 after a warm-up round:");
        Console.WriteLine($"  in this (JIT-compiled) process: the provider alone, one call after another, {loop:0.000} s; as a batch (model load, keys, cache, records, progress) {wall:0.000} s = {wall / loop:0.000} x, {(wall - loop) * 1000 / items:0.00} ms per item");
    }

    private static ChatCall Call(string model, string file, JsonObject options, ChatTimeouts timeouts) => new(
        model,
        MessageComposer.Compose(PromptMessage.FromPrompt("Summarize", null), Path.GetFileName(file), InputLoader.LoadText(File.ReadAllBytes(file))),
        options,
        null,
        timeouts);

    // Prompt and generation tokens per second, from llama.cpp's own timings in the cache entries, for each form of the
    // CLI; and the whole run against the sum of those timings (what the tool adds: start, load, keys, cache, records).
    private static void Throughput()
    {
        ThroughCli("tiny model (~130 KB)", TinyGgufOptions.Tiny, files: 100, bytesPerFile: 400, tokens: TokensPerItem);
        ThroughCli("109 MB random-weight model (dim 1024, 3 layers, F32)", TinyGgufOptions.Benchmark, files: 4, bytesPerFile: 3000, tokens: 64);
    }

    private static void ThroughCli(string title, TinyGgufOptions shape, int files, int bytesPerFile, int tokens)
    {
        using var workspace = new BenchmarkWorkspace(files, bytesPerFile);
        var model = Path.Combine(workspace.Root, "model.gguf");
        TinyGguf.Write(model, shape with { PeriodBias = -10, ContextLength = 8192 });
        File.WriteAllText(Path.Combine(workspace.Root, "bench.yaml"), $$"""
            name: "bench"
            tasks:
              - id: "docs"
                protocol: "llm/v1"
                method: "llm/chat"
                params:
                  directory: "docs"
                  file_pattern: "*.txt"
                  max_tokens: {{tokens}}
                  seed: 1
                  messages:
                    - role: "user"
                      content: "Summarize this document."
            """);
        Console.WriteLine($"local, {title}, {files} documents, {tokens} tokens each, {Environment.ProcessorCount} cores, `gleitzeit run`:");
        foreach (var (form, cli) in CliBenchmarks.Programs())
        {
            var home = Path.Combine(workspace.Root, "home-" + form);
            var info = RepositoryLayout.CliStartInfo(cli);
            foreach (var arg in new[] { "run", "bench.yaml", "--provider", "local", "--model", model, "--context-length", "4096" })
            {
                info.ArgumentList.Add(arg);
            }

            info.WorkingDirectory = workspace.Root;
            info.Environment["GLEITZEIT_HOME"] = home;
            info.Environment["CI"] = "true";
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            var wall = clock.Elapsed;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"gleitzeit run failed ({form}):\n{output}");
            }

            long promptTokens = 0, promptNs = 0, genTokens = 0, genNs = 0, loadNs = 0;
            foreach (var entry in Directory.EnumerateFiles(Path.Combine(home, "cache"), "*.json", SearchOption.AllDirectories))
            {
                using var json = JsonDocument.Parse(File.ReadAllText(entry));
                if (!json.RootElement.TryGetProperty("durations", out var durations))
                {
                    continue;
                }

                promptTokens += json.RootElement.GetProperty("tokens").GetProperty("prompt").GetInt64();
                genTokens += json.RootElement.GetProperty("tokens").GetProperty("completion").GetInt64();
                promptNs += durations.GetProperty("prompt_eval_ns").GetInt64();
                genNs += durations.GetProperty("eval_ns").GetInt64();
                loadNs += durations.GetProperty("load_ns").GetInt64();
            }

            var generation = (promptNs + genNs) / 1e9;
            Console.WriteLine($"  {form}: prompt {promptTokens} tokens at {promptTokens / (promptNs / 1e9):0} tokens/s, generation {genTokens} tokens at {genTokens / (genNs / 1e9):0.0} tokens/s; "
                + $"whole run {wall.TotalSeconds:0.00} s = {wall.TotalSeconds / generation:0.000} x llama.cpp's time ({generation:0.00} s; model load {loadNs / 1e9:0.000} s)");
        }
    }
}

using Gleitzeit.Benchmarks;
using Gleitzeit.Testing;

switch (args.FirstOrDefault())
{
    case "serve":
        await using (var server = await OllamaTestServer.StartAsync(slots: 4, latency: TimeSpan.FromSeconds(args.Length > 1 && args[1] != "--judge" ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0.2)))
        {
            // --judge: judge calls (--judge on the CLI) get FaithfulnessJudge's verdicts; other prompts the derived reply.
            if (args.Contains("--judge"))
            {
                server.Replies = FaithfulnessJudge.Reply;
            }

            Console.WriteLine($"Ollama-protocol test server on {server.Endpoint} (4 slots, {server.Latency.TotalSeconds:0.###} s per reply{(server.Replies is null ? string.Empty : ", judging")}). Ctrl+C or SIGTERM stops it.");
            Console.WriteLine($"Try: OLLAMA_HOST={server.Endpoint} gleitzeit batch samples/DocsSummaries/docs --pattern \"*.md\"");
            await StopSignal.WaitAsync();
        }

        return 0;
    case "serve-openai":
        {
            // For profiling the client from a shell: a streaming OpenAI-protocol server (first chunk at once, like vLLM).
            var latency = TimeSpan.FromSeconds(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1.5);
            var slots = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 256;
            await using var server = await OpenAiTestServer.StartAsync(slots, latency);
            server.QueueLimit = slots * 4;
            server.StreamsBeforeLatency = true;
            Console.WriteLine($"OpenAI-protocol test server on {server.Endpoint}/v1 ({slots} slots, {latency.TotalSeconds:0.###} s per answer, streaming). Ctrl+C or SIGTERM stops it.");
            Console.WriteLine($"Try: OPENAI_BASE_URL={server.Endpoint}/v1 OPENAI_API_KEY=k gleitzeit batch docs --provider openai --model gpt-4o-mini --concurrency {slots}");
            Console.Out.Flush();
            await StopSignal.WaitAsync();
            return 0;
        }

    case "serve-model":
        await using (var files = await FileDownloadServer.StartAsync())
        {
            var large = args.ElementAtOrDefault(1) == "benchmark";
            var url = files.Add(large ? "/bench.gguf" : "/tiny.gguf", TinyGguf.Create(large ? TinyGgufOptions.Benchmark with { ContextLength = 32768 } : TinyGgufOptions.Served));
            Console.WriteLine($"A random-weight GGUF model ({(large ? "~110 MB" : "~130 KB")}; its answers are noise) on {url}. Ctrl+C or SIGTERM stops it.");
            Console.WriteLine($"Try: GLEITZEIT_MODEL={url} dotnet build samples/DocsSummaries");
            Console.WriteLine($"Try: GLEITZEIT_MODEL={url} dotnet build samples/WorkflowReport");
            Console.Out.Flush();
            await StopSignal.WaitAsync();
        }

        return 0;
    case "write-model" when args.Length > 1:
        {
            var options = args.Contains("benchmark") ? TinyGgufOptions.Benchmark : TinyGgufOptions.Tiny;
            options = options with { ContextLength = 65536, PeriodBias = args.Contains("endless") ? -10 : options.PeriodBias };
            TinyGguf.Write(args[1], options);
            Console.WriteLine($"{args[1]}: {new FileInfo(args[1]).Length} bytes");
            return 0;
        }

    case "engine":
        await EngineBenchmarks.RunAsync();
        return 0;
    case "cli":
        await CliBenchmarks.RunAsync();
        return 0;
    case "build":
        await BuildBenchmarks.RunAsync();
        return 0;
    case "providers":
        await ProviderBenchmarks.RunAsync(args.ElementAtOrDefault(1));
        return 0;
    case "local":
        await LocalModelBenchmarks.RunAsync();
        return 0;
    case "extract":
        ExtractBenchmarks.Run();
        return 0;
    case "allocations" when args.Length > 1:
        await AllocationProfile.RunAsync(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2000, args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 256);
        return 0;
    case null:
    case "all":
        await EngineBenchmarks.RunAsync();
        await CliBenchmarks.RunAsync();
        await BuildBenchmarks.RunAsync();
        await ProviderBenchmarks.RunAsync();
        await LocalModelBenchmarks.RunAsync();
        ExtractBenchmarks.Run();
        return 0;
    default:
        Console.Error.WriteLine("usage: Gleitzeit.Benchmarks [all|engine|cli|build|providers [unlimited|servers|vllm|limited]|serve [latency-seconds]|serve-openai [latency-seconds] [slots]|serve-model [tiny|benchmark]|write-model PATH [benchmark] [endless]|allocations OPENAI_BASE_URL [files] [slots]|local|extract]");
        return 2;
}

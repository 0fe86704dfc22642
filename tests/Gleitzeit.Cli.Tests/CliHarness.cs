using System.Diagnostics;
using Gleitzeit.Testing;

namespace Gleitzeit.Cli.Tests;

/// <summary>A workspace with its own Gleitzeit home, a running Ollama-protocol test server, and ways to run <c>gleitzeit</c> in-process or as a child process.</summary>
public sealed class CliHarness : IAsyncDisposable
{
    private CliHarness(OllamaTestServer server)
    {
        Server = server;
        Root = Path.Combine(Path.GetTempPath(), "gleitzeit-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Docs);
    }

    public OllamaTestServer Server { get; }

    public static string CliAssembly { get; } = RepositoryLayout.CliAssembly();

    /// <summary>
    /// <c>GLEITZEIT_CLI_OUT_OF_PROCESS=1</c> runs every non-interactive command as a child process of
    /// <see cref="CliAssembly"/>: with <c>GLEITZEIT_CLI</c> naming the native build, the whole suite tests what ships.
    /// </summary>
    public static bool OutOfProcess { get; } = System.Environment.GetEnvironmentVariable("GLEITZEIT_CLI_OUT_OF_PROCESS") == "1";

    public string Root { get; }

    public string Docs => Path.Combine(Root, "docs");

    public string Home => Path.Combine(Root, "home");

    public string ResultsDirectory => Path.Combine(Home, "batch_results");

    public static async Task<CliHarness> StartAsync(TimeSpan latency = default) => new(await OllamaTestServer.StartAsync(4, latency));

    public string Write(string relative, string content, string? under = null)
    {
        var path = Path.Combine(under ?? Docs, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public void ThreeDocs()
    {
        Write("meeting_notes.txt", "Meeting notes: ship on Friday.");
        Write("sample_story.txt", "Once upon a time a compiler dreamed.");
        Write("technical_spec.txt", "The system shall cache by content hash.");
    }

    /// <summary>Runs gleitzeit in this process, as CI would see it (plain output).</summary>
    public async Task<CliResult> RunAsync(params string[] args) => await RunAsync(interactive: false, extraEnvironment: null, args);

    public async Task<CliResult> RunAsync(bool interactive, IReadOnlyDictionary<string, string>? extraEnvironment, params string[] args)
    {
        if (OutOfProcess && !interactive)
        {
            return await RunProcessAsync(extraEnvironment, args, unprivileged: false);
        }

        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var environment = Environment(extraEnvironment);
        var context = new CliContext
        {
            Out = stdout,
            Error = stderr,
            Environment = name => environment.GetValueOrDefault(name),
            WorkingDirectory = Root,
            Interactive = interactive,
        };
        var exit = await GleitzeitCli.RunAsync(args, context);
        return new CliResult(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Starts gleitzeit as a real child process with this harness's environment.</summary>
    public Process Start(params string[] args) => Start(null, args);

    /// <summary>Starts gleitzeit as a child process with more environment variables, its output redirected.</summary>
    public Process StartWith(IReadOnlyDictionary<string, string> extraEnvironment, params string[] args) => Start(extraEnvironment, args, unprivileged: false);

    private Process Start(IReadOnlyDictionary<string, string>? extraEnvironment, string[] args, bool unprivileged = false, string? workingDirectory = null)
    {
        var info = RepositoryLayout.CliStartInfo(CliAssembly);
        if (unprivileged)
        {
            // As the nobody user, for whom a directory without read permission really is unreadable (root reads everything).
            var program = info.FileName;
            info.FileName = "setpriv";
            foreach (var (arg, index) in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "--", program }.Select((a, i) => (a, i)))
            {
                info.ArgumentList.Insert(index, arg);
            }
        }

        info.WorkingDirectory = workingDirectory ?? Root;
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Only what the harness sets, as in-process: nothing inherited from the shell that runs the tests.
        foreach (var inherited in info.Environment.Keys.Where(k => k.StartsWith("GLEITZEIT_", StringComparison.Ordinal) || k.StartsWith("OLLAMA_", StringComparison.Ordinal) || k is "NO_COLOR" or "CI").ToList())
        {
            info.Environment.Remove(inherited);
        }

        foreach (var (name, value) in Environment(extraEnvironment))
        {
            info.Environment[name] = value;
        }

        return Process.Start(info)!;
    }

    /// <summary>Runs gleitzeit as a child process to its end.</summary>
    public Task<CliResult> RunProcessAsync(params string[] args) => RunProcessAsync(null, args, unprivileged: false);

    /// <summary>Runs gleitzeit as a child process with more environment variables.</summary>
    public Task<CliResult> RunProcessAsync(IReadOnlyDictionary<string, string> extraEnvironment, params string[] args) => RunProcessAsync(extraEnvironment, args, unprivileged: false);

    /// <summary>Runs gleitzeit as a child process started in <paramref name="workingDirectory"/> instead of the workspace.</summary>
    public Task<CliResult> RunProcessInAsync(string workingDirectory, params string[] args) => RunProcessAsync(null, args, unprivileged: false, workingDirectory);

    /// <summary>Runs gleitzeit as a child process started in <paramref name="workingDirectory"/>, with more environment variables.</summary>
    public Task<CliResult> RunProcessInAsync(string workingDirectory, IReadOnlyDictionary<string, string> extraEnvironment, params string[] args) =>
        RunProcessAsync(extraEnvironment, args, unprivileged: false, workingDirectory);

    /// <summary>Runs gleitzeit as a child process of the nobody user (when these tests run as root); call <see cref="OpenToEveryone"/> first.</summary>
    public Task<CliResult> RunUnprivilegedAsync(params string[] args) => RunProcessAsync(null, args, unprivileged: Unix.IsRoot);

    /// <summary>Makes the workspace readable and writable for every user, so an unprivileged child process can work in it.</summary>
    public void OpenToEveryone() => Unix.Run("chmod", "-R", "a+rwX", Root);

    private async Task<CliResult> RunProcessAsync(IReadOnlyDictionary<string, string>? extraEnvironment, string[] args, bool unprivileged = false, string? workingDirectory = null)
    {
        using var process = Start(extraEnvironment, args, unprivileged, workingDirectory);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"gleitzeit {string.Join(' ', args)} did not end within 60 s:\n{await stdout}\n{await stderr}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Dictionary<string, string> Environment(IReadOnlyDictionary<string, string>? extra)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GLEITZEIT_HOME"] = Home,
            ["OLLAMA_HOST"] = Server.Endpoint,
            ["CI"] = "true",
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        return environment;
    }
}

/// <summary>What a gleitzeit run printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

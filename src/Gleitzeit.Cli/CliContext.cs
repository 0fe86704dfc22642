namespace Gleitzeit.Cli;

/// <summary>What a command may touch of its process: output streams, environment, working directory.</summary>
public sealed class CliContext
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required Func<string, string?> Environment { get; init; }

    public required string WorkingDirectory { get; init; }

    /// <summary>A terminal that can show live progress: not redirected, not CI.</summary>
    public bool Interactive { get; init; }

    /// <summary>Whether errors show their stack trace (<c>--verbose</c>, <c>--verbosity diagnostic</c>).</summary>
    public bool Verbose { get; set; }

    /// <summary>How much commands say (<c>-q</c>, <c>-v</c>); <see cref="Rendering.Verbosity.Normal"/> unless given.</summary>
    internal Rendering.Verbosity Verbosity { get; set; } = Rendering.Verbosity.Normal;

    /// <summary>Whether lines beyond errors and the final result are shown (not <c>--quiet</c>).</summary>
    internal bool Chatty => Verbosity > Rendering.Verbosity.Quiet;

    /// <summary>Whether colour is off (<c>NO_COLOR</c> set).</summary>
    public bool NoColor => !string.IsNullOrEmpty(Environment("NO_COLOR"));

    /// <summary>The context of this process.</summary>
    public static CliContext FromProcess() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        Environment = System.Environment.GetEnvironmentVariable,
        WorkingDirectory = Directory.GetCurrentDirectory(),
        Interactive = !Console.IsOutputRedirected
            && !string.Equals(System.Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            && System.Environment.GetEnvironmentVariable("TERM") is not "dumb",
    };

    /// <summary>A path as the user typed it, resolved against the working directory.</summary>
    public string Resolve(string path) => Path.GetFullPath(Path.Combine(WorkingDirectory, Batch.Configuration.GleitzeitPaths.ExpandHome(path)));
}

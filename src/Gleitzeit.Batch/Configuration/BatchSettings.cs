namespace Gleitzeit.Batch.Configuration;

/// <summary>The effective settings of a batch after every configuration layer has been applied.</summary>
public sealed record BatchSettings
{
    /// <summary>Default model for text prompts, as in the original Gleitzeit.</summary>
    public const string DefaultModelName = "llama3.2:latest";

    /// <summary>Default model for <c>--vision</c> batches, as in the original Gleitzeit.</summary>
    public const string DefaultVisionModelName = "llava:latest";

    /// <summary>Default Ollama endpoint when neither a flag nor <c>OLLAMA_HOST</c> names one.</summary>
    public const string DefaultEndpoint = "http://localhost:11434";

    public long MaxFileSize { get; init; } = 1_048_576;

    public int MaxConcurrent { get; init; } = 5;

    /// <summary>Limit on one generation, from its first streamed chunk to its last.</summary>
    public TimeSpan TimeoutPerFile { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Limit on the wait for the first chunk: covers the server's queue and model load.</summary>
    public TimeSpan FirstChunkTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Limit on silence between two chunks of a stream; a stall is retried.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int RetryAttempts { get; init; } = 3;

    /// <summary>First retry delay; later ones grow exponentially, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public string DefaultPattern { get; init; } = "*";

    public string ResultsDirectory { get; init; } = Path.Combine(GleitzeitPaths.Home(), "batch_results");

    public string CacheDirectory { get; init; } = Path.Combine(GleitzeitPaths.Home(), "cache");

    public CacheMode CacheMode { get; init; } = CacheMode.ReadWrite;

    public string Endpoint { get; init; } = DefaultEndpoint;

    public string Model { get; init; } = DefaultModelName;

    public string VisionModel { get; init; } = DefaultVisionModelName;

    /// <summary>Defaults that follow <c>GLEITZEIT_HOME</c> of the given environment.</summary>
    public static BatchSettings Defaults(Func<string, string?>? environment = null)
    {
        var home = GleitzeitPaths.Home(environment);
        return new BatchSettings
        {
            ResultsDirectory = Path.Combine(home, "batch_results"),
            CacheDirectory = Path.Combine(home, "cache"),
        };
    }
}

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>How the local provider runs.</summary>
public sealed record LocalProviderOptions
{
    /// <summary>Where downloaded models are kept.</summary>
    public required string ModelsDirectory { get; init; }

    /// <summary>The directory a relative model path is resolved against; null for this process's.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The context window in tokens; null for <see cref="LocalModel.DefaultContextLength"/> (at most what the model was trained for).</summary>
    public int? ContextLength { get; init; }

    /// <summary>Threads evaluating a prompt: the cores this process may use.</summary>
    public int PromptThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>Threads generating an answer: the cores this process may use (measured on 2 cores with a 110 MB model: 151 tokens/s with 2, 104 with 1).</summary>
    public int GenerationThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>Limit on connecting and on headers when downloading.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Limit on silence while downloading.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Requests in all for a download (the first and its resumptions) before it fails: <c>retry_attempts</c> + 1.</summary>
    public int RetryAttempts { get; init; } = 3;

    /// <summary>Scales the backoff between download attempts; tests shorten it.</summary>
    public double RetryDelayScale { get; init; } = 1;

    /// <summary>The clock the limits run on.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

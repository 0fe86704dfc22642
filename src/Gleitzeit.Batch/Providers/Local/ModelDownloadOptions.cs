namespace Gleitzeit.Batch.Providers.Local;

/// <summary>Where models are kept and the bounds on fetching one.</summary>
public sealed record ModelDownloadOptions
{
    /// <summary>Where downloaded models are kept (<c>models_directory</c>).</summary>
    public required string ModelsDirectory { get; init; }

    /// <summary>Limit on connecting and on the answer's headers.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Limit on silence in the body: a stalled download is resumed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Requests in all (the first and its resumptions) before a cut, stalled or failing download gives up.</summary>
    public int RetryAttempts { get; init; } = 3;

    /// <summary>Scales the backoff between attempts (1, 2, 4… seconds); tests shorten it.</summary>
    public double RetryDelayScale { get; init; } = 1;

    /// <summary>The clock the bounds run on.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Hears how far a download has come: at its start, every <see cref="ProgressInterval"/>, and at its end.</summary>
    public Action<ModelTransfer>? Progress { get; init; }

    /// <summary>Least time between two progress reports.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);
}

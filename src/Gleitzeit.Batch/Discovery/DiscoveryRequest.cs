namespace Gleitzeit.Batch.Discovery;

/// <summary>What files a batch covers: explicit files and/or a directory scanned with glob patterns.</summary>
public sealed record DiscoveryRequest
{
    /// <summary>Directory that relative paths are reported against; also the scanned directory when <see cref="Scan"/> is set.</summary>
    public required string Root { get; init; }

    /// <summary>Whether <see cref="Root"/> is scanned with <see cref="Patterns"/>.</summary>
    public bool Scan { get; init; }

    public IReadOnlyList<string> Patterns { get; init; } = ["*"];

    public bool Recursive { get; init; }

    public IReadOnlyList<string> Excludes { get; init; } = [];

    /// <summary>Explicit files, absolute or relative to <see cref="Root"/>.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    public long MaxFileSize { get; init; } = 1_048_576;

    /// <summary>How the size limit is spelled where this request was made, for the hint on an oversized file.</summary>
    public string MaxFileSizeSetting { get; init; } = "max_file_size";

    /// <summary>When set, files last written before this instant are left out.</summary>
    public DateTimeOffset? ModifiedSince { get; init; }
}

using Gleitzeit.Batch.Caching;

namespace Gleitzeit.Batch.Execution;

/// <summary>What a run may use beyond its settings.</summary>
public sealed record RunOptions
{
    /// <summary>The committed JSON artifact of the batch: answers served by key before the cache directory and the model.</summary>
    public ArtifactAnswers? Artifact { get; init; }
}

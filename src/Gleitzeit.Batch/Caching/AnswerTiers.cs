namespace Gleitzeit.Batch.Caching;

/// <summary>Where a keyed answer may be found without the model: the committed artifact, then the cache directory.</summary>
/// <param name="Artifact">The committed JSON artifact, if any.</param>
/// <param name="Cache">The cache directory, if the mode reads it.</param>
public readonly record struct AnswerTiers(ArtifactAnswers? Artifact, CacheStore? Cache)
{
    /// <summary>Whether either tier holds an answer for <paramref name="key"/>.</summary>
    public bool Contains(string key) => Artifact?.Contains(key) == true || Cache?.Contains(key) == true;
}

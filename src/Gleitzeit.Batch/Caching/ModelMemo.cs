using System.Text.Json.Serialization;

namespace Gleitzeit.Batch.Caching;

/// <summary>What the cache directory remembers of a model from the last contact: keys use it while the server is not asked (or down).</summary>
public sealed class ModelMemo
{
    [JsonPropertyName("digest")]
    public string? Digest { get; init; }

    [JsonPropertyName("context_length")]
    public int? ContextLength { get; init; }
}

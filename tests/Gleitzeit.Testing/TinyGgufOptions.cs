namespace Gleitzeit.Testing;

/// <summary>The shape, seed and output biases of a model made by <see cref="TinyGguf"/>.</summary>
public sealed record TinyGgufOptions
{
    /// <summary>The defaults: dim 32, 1 layer, feed-forward 64, about 130 KB; loads in milliseconds.</summary>
    public static TinyGgufOptions Tiny { get; } = new();

    /// <summary>
    /// What <c>serve-model</c> serves for the README's offline path: <see cref="Tiny"/> trained (so it says) for 32,768
    /// tokens, so the local provider's default 8,192-token window holds every sample document with room to answer.
    /// </summary>
    public static TinyGgufOptions Served { get; } = new() { ContextLength = 32768 };

    /// <summary>A ~110 MB model (dim 1024, 3 layers, feed-forward 1536, 16 heads) for tokens/s benchmarks.</summary>
    public static TinyGgufOptions Benchmark { get; } = new() { EmbeddingSize = 1024, Layers = 3, FeedForwardSize = 1536, HeadCount = 16 };

    /// <summary>The embedding (hidden) size; at least 8, a multiple of <see cref="HeadCount"/> with an even head size.</summary>
    public int EmbeddingSize { get; init; } = 32;

    /// <summary>The number of transformer blocks.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>The feed-forward (SwiGLU) size.</summary>
    public int FeedForwardSize { get; init; } = 64;

    /// <summary>The attention heads; 0 picks <c>max(1, EmbeddingSize / 64)</c>.</summary>
    public int HeadCount { get; init; }

    /// <summary>The training context length written to the metadata (<c>llama.context_length</c>).</summary>
    public int ContextLength { get; init; } = 2048;

    /// <summary>Seeds the random weights: the same options give the same bytes.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The spread of the random logits between the ordinary tokens (their standard deviation, roughly).</summary>
    public float LogitSpread { get; init; } = 1.0f;

    /// <summary>How much the output layer favours '.' after any other token: the higher, the shorter the answers.</summary>
    public float PeriodBias { get; init; } = 3.0f;

    /// <summary>How much the output layer favours end-of-sequence and <c>&lt;|im_end|&gt;</c> right after a '.'.</summary>
    public float EndBias { get; init; } = 5.0f;

    /// <summary>How much the output layer holds back end-of-generation and control, unprintable and non-ASCII byte tokens elsewhere.</summary>
    public float SuppressBias { get; init; } = 20.0f;

    /// <summary>Characters whose byte tokens the output layer favours everywhere (e.g. <c>"}</c>, so a JSON grammar closes soon).</summary>
    public string FavouredCharacters { get; init; } = string.Empty;

    /// <summary>How much <see cref="FavouredCharacters"/> are favoured.</summary>
    public float FavourBias { get; init; } = 4.0f;

    internal int Heads => HeadCount > 0 ? HeadCount : Math.Max(1, EmbeddingSize / 64);

    internal void Validate()
    {
        if (EmbeddingSize < 8 || EmbeddingSize % Heads != 0 || EmbeddingSize / Heads % 2 != 0)
        {
            throw new ArgumentException($"EmbeddingSize {EmbeddingSize} must be at least 8 and a multiple of the {Heads} heads with an even head size.");
        }

        if (Layers < 1 || FeedForwardSize < 1 || ContextLength < 16)
        {
            throw new ArgumentException("Layers and FeedForwardSize must be positive and ContextLength at least 16.");
        }
    }
}

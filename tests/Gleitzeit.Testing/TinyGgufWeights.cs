namespace Gleitzeit.Testing;

/// <summary>
/// The random F32 tensors of a <see cref="TinyGguf"/> model, with the output biases built in.
/// Two embedding dimensions are reserved and never written by attention or feed-forward: dimension 0 is set
/// only in the embedding of '.', dimension 1 in every other embedding. The output rows read them: '.' gains
/// <c>PeriodBias</c> from dimension 1; end-of-generation tokens gain <c>EndBias</c> from dimension 0 and lose
/// <c>SuppressBias</c> from dimension 1, so they follow '.' and nothing else; suppressed tokens lose from both.
/// </summary>
internal sealed class TinyGgufWeights(TinyGgufOptions options, int vocabulary, Func<int, TinyGguf.TokenKind> kind)
{
    private const float PeriodFlag = 4f;
    private const int Reserved = 2;

    private readonly int _dim = options.EmbeddingSize;
    private readonly int _ff = options.FeedForwardSize;

    /// <summary>Registers every tensor, in llama.cpp's names and GGUF shapes (row length first).</summary>
    public void AddTensors(GgufWriter w)
    {
        var dim = _dim;
        var ff = _ff;
        w.AddTensor("token_embd.weight", [dim, vocabulary], Embedding);
        w.AddTensor("output_norm.weight", [dim], Ones);
        w.AddTensor("output.weight", [dim, vocabulary], Output);
        var inScale = 1f / MathF.Sqrt(dim);
        for (var layer = 0; layer < options.Layers; layer++)
        {
            var block = $"blk.{layer}.";
            w.AddTensor(block + "attn_norm.weight", [dim], Ones);
            w.AddTensor(block + "attn_q.weight", [dim, dim], Random(block + "attn_q", inScale));
            w.AddTensor(block + "attn_k.weight", [dim, dim], Random(block + "attn_k", inScale));
            w.AddTensor(block + "attn_v.weight", [dim, dim], Random(block + "attn_v", inScale));
            w.AddTensor(block + "attn_output.weight", [dim, dim], ResidualWrite(block + "attn_output", 0.5f * inScale));
            w.AddTensor(block + "ffn_norm.weight", [dim], Ones);
            w.AddTensor(block + "ffn_gate.weight", [dim, ff], Random(block + "ffn_gate", inScale));
            w.AddTensor(block + "ffn_up.weight", [dim, ff], Random(block + "ffn_up", inScale));
            w.AddTensor(block + "ffn_down.weight", [ff, dim], ResidualWrite(block + "ffn_down", 0.5f / MathF.Sqrt(ff)));
        }
    }

    private static void Ones(int row, Span<float> values) => values.Fill(1f);

    private void Embedding(int token, Span<float> values)
    {
        Uniform("token_embd", token, values[Reserved..], 1f);
        values[0] = kind(token) == TinyGguf.TokenKind.Period ? PeriodFlag : 0f;
        values[1] = kind(token) == TinyGguf.TokenKind.Period ? 0f : 1f;
    }

    private void Output(int token, Span<float> values)
    {
        switch (kind(token))
        {
            case TinyGguf.TokenKind.Ordinary:
                Uniform("output", token, values[Reserved..], options.LogitSpread / MathF.Sqrt(_dim - Reserved));
                if (TinyGguf.IsByteOf(token, options.FavouredCharacters))
                {
                    values[1] = options.FavourBias;
                }

                break;
            case TinyGguf.TokenKind.Period:
                Uniform("output", token, values[Reserved..], options.LogitSpread / MathF.Sqrt(_dim - Reserved));
                values[1] = options.PeriodBias;
                break;
            case TinyGguf.TokenKind.End:
                values[0] = options.EndBias;
                values[1] = -options.SuppressBias;
                break;
            default:
                values[0] = -options.SuppressBias;
                values[1] = -options.SuppressBias;
                break;
        }
    }

    private Action<int, Span<float>> Random(string name, float std) => (row, values) => Uniform(name, row, values, std);

    // Rows 0 and 1 (the reserved output dimensions) stay zero: nothing but the embedding sets them.
    private Action<int, Span<float>> ResidualWrite(string name, float std) => (row, values) =>
    {
        if (row >= Reserved)
        {
            Uniform(name, row, values, std);
        }
    };

    // Uniform in [-std·√3, std·√3) from SplitMix64 seeded by (seed, tensor, row): stable on every platform.
    private void Uniform(string tensor, int row, Span<float> values, float std)
    {
        var state = options.Seed ^ Fnv(tensor) ^ ((ulong)row * 0x9E3779B97F4A7C15UL);
        var scale = std * MathF.Sqrt(3f);
        for (var i = 0; i < values.Length; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            var unit = (z >> 40) * (1.0f / (1 << 24)); // [0, 1) with 24 bits
            values[i] = ((2f * unit) - 1f) * scale;
        }
    }

    private static ulong Fnv(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}

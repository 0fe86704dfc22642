namespace Gleitzeit.Testing;

/// <summary>
/// Makes a valid random-weight llama model in GGUF v3 (F32 tensors, a SentencePiece "llama" vocabulary of
/// ~400 tokens, a ChatML chat template) that llama.cpp loads and generates from: a real model for tests, with
/// no download. The output layer is biased so that generation ends (end-of-sequence or <c>&lt;|im_end|&gt;</c>)
/// right after a '.' token and never at the first token, and so that only word pieces and printable ASCII bytes
/// are produced. Its text is meaningless: count tokens in tests, do not compare text.
/// </summary>
public static class TinyGguf
{
    /// <summary>The ChatML template stored as <c>tokenizer.chat_template</c>.</summary>
    public const string ChatTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <summary>The id of <c>&lt;unk&gt;</c>.</summary>
    public const int UnknownId = 0;

    /// <summary>The id of <c>&lt;s&gt;</c>, beginning of sequence.</summary>
    public const int BeginId = 1;

    /// <summary>The id of <c>&lt;/s&gt;</c>, end of sequence.</summary>
    public const int EndId = 2;

    private const int FirstByteId = 3;

    private static readonly string[] Words =
    [
        "the", "a", "is", "of", "and", "to", "in", "it", "file", "text", "data", "model", "test", "build", "summary",
        "hello", "world", "this", "that", "I", "you", "we", "not", "with", "for", "on", "be", "are", "was", "word",
    ];

    private static readonly string[] Pieces = BuildPieces();

    /// <summary>Every token, by id: <c>&lt;unk&gt;</c>, <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, the 256 byte tokens, word pieces, <c>&lt;|im_start|&gt;</c>, <c>&lt;|im_end|&gt;</c>.</summary>
    public static IReadOnlyList<string> Tokens { get; } = ["<unk>", "<s>", "</s>", .. Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"), .. Pieces, "<|im_start|>", "<|im_end|>"];

    /// <summary>The id of the '.' word piece, after which generation ends.</summary>
    public static int PeriodId { get; } = FirstByteId + 256 + Array.IndexOf(Pieces, ".");

    /// <summary>The id of <c>&lt;|im_start|&gt;</c>.</summary>
    public static int ImStartId { get; } = Tokens.Count - 2;

    /// <summary>The id of <c>&lt;|im_end|&gt;</c> (an end-of-generation token, like <c>&lt;/s&gt;</c>).</summary>
    public static int ImEndId { get; } = Tokens.Count - 1;

    /// <summary>The model as bytes (the same bytes for the same options).</summary>
    public static byte[] Create(TinyGgufOptions? options = null)
    {
        using var stream = new MemoryStream();
        WriteTo(stream, options);
        return stream.ToArray();
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically (a temporary file beside it, then a rename).</summary>
    public static void Write(string path, TinyGgufOptions? options = null)
    {
        var full = Path.GetFullPath(path);
        var temporary = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                WriteTo(file, options);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Writes the model to <paramref name="stream"/>, which need not be seekable.</summary>
    public static void WriteTo(Stream stream, TinyGgufOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var o = options ?? TinyGgufOptions.Tiny;
        o.Validate();
        var writer = new GgufWriter();
        AddMetadata(writer, o);
        new TinyGgufWeights(o, Tokens.Count, Kind).AddTensors(writer);
        writer.WriteTo(stream);
    }

    /// <summary>What the output layer does with token <paramref name="id"/>.</summary>
    /// <summary>Whether <paramref name="id"/> is the byte token of one of <paramref name="characters"/> (ASCII).</summary>
    internal static bool IsByteOf(int id, string characters) =>
        id >= FirstByteId && id < FirstByteId + 256 && characters.Contains((char)(id - FirstByteId), StringComparison.Ordinal);

    internal static TokenKind Kind(int id)
    {
        if (id == EndId || id == ImEndId)
        {
            return TokenKind.End;
        }

        if (id == PeriodId)
        {
            return TokenKind.Period;
        }

        var isByte = id >= FirstByteId && id < FirstByteId + 256;
        var printable = isByte && id - FirstByteId is >= 0x20 and < 0x7F or 0x0A;
        return id < FirstByteId || id == ImStartId || (isByte && !printable) ? TokenKind.Suppressed : TokenKind.Ordinary;
    }

    private static void AddMetadata(GgufWriter w, TinyGgufOptions o)
    {
        var dim = o.EmbeddingSize;
        w.Add("general.architecture", "llama");
        w.Add("general.name", $"tiny-random-llama-{dim}x{o.Layers}");
        w.Add("general.file_type", 0u); // all F32
        w.Add("general.alignment", (uint)GgufWriter.Alignment);
        w.Add("llama.vocab_size", (uint)Tokens.Count);
        w.Add("llama.context_length", (uint)o.ContextLength);
        w.Add("llama.embedding_length", (uint)dim);
        w.Add("llama.block_count", (uint)o.Layers);
        w.Add("llama.feed_forward_length", (uint)o.FeedForwardSize);
        w.Add("llama.rope.dimension_count", (uint)(dim / o.Heads));
        w.Add("llama.rope.freq_base", 10000f);
        w.Add("llama.attention.head_count", (uint)o.Heads);
        w.Add("llama.attention.head_count_kv", (uint)o.Heads);
        w.Add("llama.attention.layer_norm_rms_epsilon", 1e-5f);

        w.Add("tokenizer.ggml.model", "llama");
        w.Add("tokenizer.ggml.tokens", Tokens);
        w.Add("tokenizer.ggml.scores", Enumerable.Range(0, Tokens.Count).Select(Score).ToArray());
        w.Add("tokenizer.ggml.token_type", Enumerable.Range(0, Tokens.Count).Select(TokenType).ToArray());
        w.Add("tokenizer.ggml.unknown_token_id", (uint)UnknownId);
        w.Add("tokenizer.ggml.bos_token_id", (uint)BeginId);
        w.Add("tokenizer.ggml.eos_token_id", (uint)EndId);
        w.Add("tokenizer.ggml.eot_token_id", (uint)ImEndId);
        w.Add("tokenizer.ggml.add_bos_token", true);
        w.Add("tokenizer.ggml.add_eos_token", false);
        w.Add("tokenizer.chat_template", ChatTemplate);
    }

    // SentencePiece merges the highest-scoring pair first; earlier (shorter) pieces score higher.
    private static float Score(int id) => id >= FirstByteId + 256 && id < ImStartId ? -0.01f * (id - FirstByteId - 256) : 0f;

    // llama.cpp token types: 1 normal, 2 unknown, 3 control, 6 byte.
    private static int TokenType(int id) => id switch
    {
        UnknownId => 2,
        BeginId or EndId => 3,
        _ when id == ImStartId || id == ImEndId => 3,
        _ when id < FirstByteId + 256 => 6,
        _ => 1,
    };

    // Every prefix of each word (with SentencePiece's '▁' for a leading space) so merges can reach the whole word.
    private static string[] BuildPieces()
    {
        var pieces = new List<string> { "\u2581", ".", ",", "!", "?", ":", "s", "ed", "ing" };
        foreach (var word in Words)
        {
            var piece = "\u2581" + word;
            for (var length = 2; length <= piece.Length; length++)
            {
                var prefix = piece[..length];
                if (!pieces.Contains(prefix, StringComparer.Ordinal))
                {
                    pieces.Add(prefix);
                }
            }
        }

        return [.. pieces];
    }

    /// <summary>How the biased output layer treats a token.</summary>
    internal enum TokenKind
    {
        /// <summary>Produced at random.</summary>
        Ordinary,

        /// <summary>'.': favoured after any other token.</summary>
        Period,

        /// <summary>End of generation: likely right after '.', held back elsewhere.</summary>
        End,

        /// <summary>Held back everywhere.</summary>
        Suppressed,
    }
}

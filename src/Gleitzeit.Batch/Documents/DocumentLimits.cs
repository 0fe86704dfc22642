namespace Gleitzeit.Batch.Documents;

/// <summary>
/// What one extraction may cost, so a hostile or broken document fails its own item in bounded time and memory.
/// Each limit, once passed, is a <see cref="DiagnosticCodes.DocumentOverLimit"/> skip.
/// </summary>
public sealed record DocumentLimits
{
    /// <summary>The defaults: 2,000 pages, 256 MB unpacked, 100:1 per zip entry, 4 million characters, 2 minutes.</summary>
    public static DocumentLimits Default { get; } = new();

    /// <summary>Pages, slides or sheets at most (default 2,000).</summary>
    public int MaxPages { get; init; } = 2_000;

    /// <summary>The bytes a zip-based document (docx, pptx, xlsx) may unpack to, all entries together (default 256 MB).</summary>
    public long MaxUncompressedBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>How much larger than its compressed size one zip entry over 1 MB may unpack (default 100).</summary>
    public int MaxCompressionRatio { get; init; } = 100;

    /// <summary>Characters of extracted text at most (default 4,000,000, about a million tokens).</summary>
    public int MaxOutputChars { get; init; } = 4_000_000;

    /// <summary>Wall time of one extraction (default 2 minutes).</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromMinutes(2);
}

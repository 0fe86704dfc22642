namespace Gleitzeit.Batch.Inputs;

/// <summary>A file read and validated for sending: text or one image.</summary>
public sealed record LoadedInput
{
    /// <summary>The decoded text (BOM removed); null for an image.</summary>
    public string? Text { get; init; }

    /// <summary>The image bytes; null for text.</summary>
    public ReadOnlyMemory<byte> ImageBytes { get; init; }

    /// <summary>The image's media type (from its magic bytes); null for text.</summary>
    public string? MediaType { get; init; }

    /// <summary>SHA-256 of the file's bytes, lower-case hex.</summary>
    public required string ContentSha256 { get; init; }

    /// <summary>For a PDF, Office or HTML file: the extractor that turns it into text (<c>name/version</c>), which its cache key names.</summary>
    public string? Extractor { get; init; }

    /// <summary>A document's bytes while its text is not extracted yet (a cache hit never needs it).</summary>
    public ReadOnlyMemory<byte> DocumentBytes { get; init; }

    /// <summary>The extracted document (text and structure); null until extracted, and for text files and images.</summary>
    public Documents.ExtractedDocument? Document { get; init; }

    /// <summary>A document whose text is not extracted yet: what its cache key stands on is its bytes and the extractor.</summary>
    public bool IsDeferredDocument => Extractor is not null && Text is null;

    /// <summary>What the key's messages carry instead of a document's text: its bytes' hash and the extractor (a new extractor version re-keys).</summary>
    public string KeyText => $"[text of the document with SHA-256 {ContentSha256}, extracted by {Extractor}]";

    /// <summary>This input as its cache key sees it: a document without its text.</summary>
    public LoadedInput ForKey() => Extractor is null ? this : this with { Text = null, Document = null, DocumentBytes = default };
}

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
}

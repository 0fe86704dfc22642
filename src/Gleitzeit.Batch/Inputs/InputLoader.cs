using System.Security.Cryptography;
using System.Text;

namespace Gleitzeit.Batch.Inputs;

/// <summary>Reads one file when its turn comes and validates it: UTF-8 text, or a PNG/JPEG/GIF/WebP image for vision.</summary>
public static class InputLoader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads and validates <paramref name="fullPath"/>.</summary>
    /// <exception cref="InvalidInputException">The bytes are not what the batch can send.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public static async Task<LoadedInput> LoadAsync(string fullPath, bool vision, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(fullPath, cancellationToken);
        return vision ? LoadImage(bytes) : LoadText(bytes);
    }

    /// <summary>Validates bytes as text.</summary>
    public static LoadedInput LoadText(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var body = bytes.AsSpan();
        if (body.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        if (body.Contains((byte)0))
        {
            throw new InvalidInputException("invalid file format: binary content (NUL bytes); only UTF-8 text files can be sent, or use --vision for images");
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidInputException("invalid file format: not valid UTF-8 text; convert the file to UTF-8 or exclude it");
        }

        return new LoadedInput { Text = text, ContentSha256 = Sha256Hex(bytes) };
    }

    /// <summary>Validates bytes as an image by their magic bytes.</summary>
    public static LoadedInput LoadImage(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var mediaType = DetectImageMediaType(bytes)
            ?? throw new InvalidInputException("invalid file format: not a PNG, JPEG, GIF or WebP image");
        return new LoadedInput { ImageBytes = bytes, MediaType = mediaType, ContentSha256 = Sha256Hex(bytes) };
    }

    /// <summary>The media type an image's magic bytes announce, or null.</summary>
    public static string? DetectImageMediaType(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "image/png";
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "image/jpeg";
        }

        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
        {
            return "image/gif";
        }

        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8))
        {
            return "image/webp";
        }

        return null;
    }

    /// <summary>Lower-case hex SHA-256.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Lower-case hex SHA-256 of a string's UTF-8 bytes.</summary>
    public static string Sha256Hex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // Pooled, so hashing a large message does not leave a large-object-heap array behind per item.
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            return Sha256Hex(buffer.AsSpan(0, length));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

using System.Text;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Documents;
using Gleitzeit.Batch.Serialization;
using Microsoft.Win32.SafeHandles;

namespace Gleitzeit.Batch.Inputs;

/// <summary>
/// Reads one file when its turn comes and validates it: UTF-8 text (line endings made <c>\n</c>), or a PNG/JPEG/GIF/WebP
/// image for vision. Only regular files are opened, and never more than the size limit is read.
/// </summary>
public static class InputLoader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads and validates <paramref name="fullPath"/>.</summary>
    /// <param name="fullPath">The file.</param>
    /// <param name="options">Vision or text, the size limit, what to do with empty files.</param>
    /// <param name="cancellationToken">Ends the read.</param>
    /// <exception cref="InvalidInputException">The file is not sent (see its code and whether it is a skip).</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public static LoadedInput Load(string fullPath, InputOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bytes = ReadBounded(fullPath, options.MaxBytes, options.MaxBytesSetting, cancellationToken);
        if (options.Vision)
        {
            return LoadImage(bytes);
        }

        var extractor = DocumentOf(bytes, fullPath);
        if (extractor is not null)
        {
            return new LoadedInput { ContentSha256 = Hashes.Sha256Hex(bytes), Extractor = extractor.Id, DocumentBytes = bytes };
        }

        var input = LoadText(bytes, options.VisionHint);
        if (!options.SendEmpty && string.IsNullOrWhiteSpace(input.Text))
        {
            throw new InvalidInputException(
                bytes.Length == 0 ? "empty file: skipped (nothing to send)" : "whitespace-only file: skipped (nothing to send)",
                DiagnosticCodes.EmptyFile,
                isSkip: true);
        }

        return input;
    }

    /// <summary>
    /// Extracts a document's text (PDF, DOCX, PPTX, XLSX, HTML) within <paramref name="limits"/>; other inputs are
    /// returned as they are. Only misses and dry runs come here: a cached answer never needs the text.
    /// </summary>
    /// <exception cref="InvalidInputException">The document cannot be read (protected, scanned, damaged, over a limit) or holds no text.</exception>
    public static LoadedInput Extract(LoadedInput input, string fileName, DocumentLimits limits, bool sendEmpty, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!input.IsDeferredDocument)
        {
            return input;
        }

        ExtractedDocument? document;
        try
        {
            document = DocumentExtractors.Extract(input.DocumentBytes, fileName, limits, cancellationToken);
        }
        catch (DocumentException ex)
        {
            throw new InvalidInputException(ex.Message, ex.Code, ex.IsSkip);
        }

        if (document is null)
        {
            throw new InvalidInputException("invalid file format: not a document any more (it changed while the batch ran)");
        }

        if (!sendEmpty && string.IsNullOrWhiteSpace(document.Text))
        {
            throw new InvalidInputException($"document without text ({document.PageCount} {document.PageUnit}(s), nothing extracted): skipped (nothing to send)", DiagnosticCodes.EmptyFile, isSkip: true);
        }

        return input with { Text = document.Text, Document = document, DocumentBytes = default };
    }

    private static IDocumentExtractor? DocumentOf(byte[] bytes, string fullPath)
    {
        try
        {
            return DocumentExtractors.For(bytes, Path.GetFileName(fullPath));
        }
        catch (DocumentException ex)
        {
            throw new InvalidInputException(ex.Message, ex.Code, ex.IsSkip);
        }
    }

    /// <summary>Validates bytes as text: a BOM is dropped and line endings become <c>\n</c>, so a Windows checkout and Linux CI send the same.</summary>
    public static LoadedInput LoadText(byte[] bytes, string visionHint = "images need vision")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var body = bytes.AsSpan();
        if (body.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        if (body.Contains((byte)0))
        {
            throw new InvalidInputException($"invalid file format: binary content (NUL bytes); only UTF-8 text files can be sent ({visionHint})");
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

        if (text.Contains('\r', StringComparison.Ordinal))
        {
            text = text.ReplaceLineEndings("\n");
        }

        return new LoadedInput { Text = text, ContentSha256 = Hashes.Sha256Hex(bytes) };
    }

    /// <summary>Validates bytes as an image by their magic bytes.</summary>
    public static LoadedInput LoadImage(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var mediaType = DetectImageMediaType(bytes)
            ?? throw new InvalidInputException("invalid file format: not a PNG, JPEG, GIF or WebP image");
        return new LoadedInput { ImageBytes = bytes, MediaType = mediaType, ContentSha256 = Hashes.Sha256Hex(bytes) };
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

    // The file may have become a FIFO or grown since it was discovered: check its kind again right before opening it
    // (opening a FIFO waits for a writer), and read at most one byte past the limit.
    private static byte[] ReadBounded(string fullPath, long maxBytes, string maxBytesSetting, CancellationToken cancellationToken)
    {
        var kind = FileKinds.Of(fullPath);
        if (kind == FileKind.Missing)
        {
            throw new FileNotFoundException("the file no longer exists", fullPath);
        }

        if (kind != FileKind.Regular)
        {
            throw new InvalidInputException($"{FileKinds.Describe(kind)}, not a regular file: skipped (it is never opened)", DiagnosticCodes.InvalidFileFormat, isSkip: true);
        }

        // Read synchronously: an asynchronous read of a local file on Unix is the same blocking read on another pool
        // thread, plus a hand-off each way; files are bounded by max_file_size and read when their turn comes.
        using SafeFileHandle handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(handle);
        if (length > maxBytes)
        {
            throw TooLarge(length, maxBytes, maxBytesSetting, atLeast: false);
        }

        var buffer = new byte[(int)Math.Min(length, maxBytes)];
        var total = Fill(handle, buffer, 0, cancellationToken);

        // One byte past the length read: a file longer than its length said (it grew since, or it is one of the kernel's
        // files that say 0) is read on to its end, or to one byte past the limit.
        Span<byte> next = stackalloc byte[1];
        if (total == buffer.Length && RandomAccess.Read(handle, next, total) == 1)
        {
            var limit = (int)Math.Min(maxBytes + 1, Array.MaxLength);
            var longer = new byte[Math.Min(limit, Math.Max(total * 2L, total + 4096L))];
            buffer.AsSpan(0, total).CopyTo(longer);
            longer[total++] = next[0];
            buffer = longer;
            while ((total = Fill(handle, buffer, total, cancellationToken)) == buffer.Length && buffer.Length < limit)
            {
                Array.Resize(ref buffer, (int)Math.Min(limit, buffer.Length * 2L));
            }
        }

        if (total > maxBytes)
        {
            throw TooLarge(total, maxBytes, maxBytesSetting, atLeast: true);
        }

        return total == buffer.Length ? buffer : buffer[..total];
    }

    // Reads from offset total until the buffer is full or the file ends; returns how far it got.
    private static int Fill(SafeFileHandle handle, byte[] buffer, int total, CancellationToken cancellationToken)
    {
        while (total < buffer.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    // A file that grew while it was read is known to be at least as long as what was read of it.
    private static InvalidInputException TooLarge(long length, long maxBytes, string setting, bool atLeast) =>
        new($"File too large: {length}{(atLeast ? "+" : string.Empty)} bytes is over the {maxBytes}-byte limit (raise {setting} to include it)", DiagnosticCodes.FileTooLarge, isSkip: true);
}

/// <summary>How to read an item's file.</summary>
/// <param name="Vision">An image for a vision model, rather than text.</param>
/// <param name="MaxBytes">Read no more than this; a larger file is skipped.</param>
/// <param name="SendEmpty">Send empty and whitespace-only text files instead of skipping them.</param>
/// <param name="MaxBytesSetting">How the size limit is spelled, for the hint.</param>
/// <param name="VisionHint">How to send images where the batch was made, for the hint on a binary file.</param>
public sealed record InputOptions(bool Vision, long MaxBytes, bool SendEmpty = false, string MaxBytesSetting = "max_file_size", string VisionHint = "images need vision");

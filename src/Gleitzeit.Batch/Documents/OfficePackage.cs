using System.Globalization;
using System.IO.Compression;
using System.IO.Packaging;
using System.Xml;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;

namespace Gleitzeit.Batch.Documents;

/// <summary>
/// Opens a zip-based Office document within the limits: the central directory's sizes and ratios are checked before
/// anything is unpacked, and every XML part is read through a character count (<see cref="OpenSettings.MaxCharactersInPart"/>),
/// so an entry that lies about its size stops at the limit too. Library failures become one-line document errors.
/// </summary>
internal static class OfficePackage
{
    private const long RatioCheckedFrom = 1024 * 1024;

    public static ExtractedDocument Extract(
        ReadOnlyMemory<byte> content, string what, DocumentLimits limits, CancellationToken cancellationToken, Func<Stream, OpenSettings, ExtractedDocument> extract)
    {
        using var stream = new ReadOnlyMemoryStream(content);
        CheckDirectory(stream, what, limits, cancellationToken);
        stream.Position = 0;
        var settings = new OpenSettings { AutoSave = false, MaxCharactersInPart = limits.MaxUncompressedBytes };
        try
        {
            return extract(stream, settings);
        }
        catch (XmlException ex) when (ex.Message.Contains("MaxCharactersInDocument", StringComparison.Ordinal))
        {
            throw DocumentException.OverLimit(string.Create(CultureInfo.InvariantCulture, $"{what} with a part over {limits.MaxUncompressedBytes:N0} characters unpacked"));
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or InvalidDataException or XmlException or FileFormatException or IOException or InvalidOperationException or KeyNotFoundException or NotSupportedException)
        {
            throw DocumentException.Damaged(what, ex);
        }
    }

    private static void CheckDirectory(Stream stream, string what, DocumentLimits limits, CancellationToken cancellationToken)
    {
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            long total = 0;
            foreach (var entry in zip.Entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                total += entry.Length;
                if (entry.Length > RatioCheckedFrom && entry.Length > Math.Max(1, entry.CompressedLength) * limits.MaxCompressionRatio)
                {
                    throw DocumentException.OverLimit(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{what} whose part {entry.FullName} unpacks {entry.Length / Math.Max(1, entry.CompressedLength):N0} times its packed size (a zip bomb?; at most {limits.MaxCompressionRatio}:1)"));
                }

                if (total > limits.MaxUncompressedBytes)
                {
                    throw DocumentException.OverLimit(string.Create(CultureInfo.InvariantCulture, $"{what} that unpacks to over {limits.MaxUncompressedBytes:N0} bytes"));
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw DocumentException.Damaged(what, ex);
        }
    }
}

/// <summary>A read-only, seekable stream over memory the caller keeps.</summary>
internal sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
{
    private int position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => memory.Length;

    public override long Position
    {
        get => position;
        set => position = (int)Math.Clamp(value, 0, memory.Length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, memory.Length - position);
        memory.Span.Slice(position, n).CopyTo(buffer);
        position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => position + offset,
            _ => memory.Length + offset,
        };
        return position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Gleitzeit.Testing;

/// <summary>
/// A <c>multipart/form-data</c> upload as OpenAI's <c>POST …/files</c> takes it: the <c>purpose</c> field and the
/// <c>file</c> part, whose bytes are all counted but kept only up to a size, so a too-large file is refused unkept.
/// </summary>
/// <param name="Purpose">The <c>purpose</c> field, if sent.</param>
/// <param name="FileName">The <c>file</c> part's file name, if the part was sent.</param>
/// <param name="Content">The <c>file</c> part's bytes; null when it was not sent or is larger than the size kept.</param>
/// <param name="Length">The <c>file</c> part's size.</param>
internal sealed record MultipartUpload(string? Purpose, string? FileName, byte[]? Content, long Length)
{
    /// <summary>The boundary of a <c>multipart/form-data</c> content type; null for any other.</summary>
    public static string? Boundary(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
        && HeaderUtilities.RemoveQuotes(media.Boundary) is { Length: > 0 } boundary
            ? boundary.ToString()
            : null;

    /// <summary>Reads the form from <paramref name="body"/>, keeping at most <paramref name="keepAtMost"/> bytes of the file.</summary>
    /// <exception cref="InvalidDataException">The body is not well-formed multipart.</exception>
    /// <exception cref="IOException">The body ended early.</exception>
    public static async Task<MultipartUpload> ReadAsync(Stream body, string boundary, long keepAtMost, CancellationToken cancellation)
    {
        var reader = new MultipartReader(boundary, body);
        var upload = new MultipartUpload(null, null, null, 0);
        while (await reader.ReadNextSectionAsync(cancellation) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                continue;
            }

            switch (HeaderUtilities.RemoveQuotes(disposition.Name).ToString())
            {
                case "purpose":
                    using (var text = new StreamReader(section.Body))
                    {
                        upload = upload with { Purpose = await text.ReadToEndAsync(cancellation) };
                    }

                    break;
                case "file":
                    var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).ToString();
                    var (content, length) = await Keep(section.Body, keepAtMost, cancellation);
                    upload = upload with { FileName = name, Content = content, Length = length };
                    break;
            }
        }

        return upload;
    }

    private static async Task<(byte[]? Content, long Length)> Keep(Stream part, long keepAtMost, CancellationToken cancellation)
    {
        using var kept = new MemoryStream();
        var buffer = new byte[81_920];
        long length = 0;
        int read;
        while ((read = await part.ReadAsync(buffer, cancellation)) > 0)
        {
            length += read;
            if (length <= keepAtMost)
            {
                kept.Write(buffer, 0, read);
            }
        }

        return (length <= keepAtMost ? kept.ToArray() : null, length);
    }
}

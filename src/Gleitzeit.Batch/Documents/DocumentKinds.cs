using System.IO.Compression;
using System.Text;

namespace Gleitzeit.Batch.Documents;

/// <summary>Tells a document's kind from its bytes: magic bytes, a zip's content types, an HTML head; a suffix only confirms HTML.</summary>
public static class DocumentKinds
{
    // PDF readers accept the header anywhere in the first kilobyte; past offset 0 the file must also end like a PDF.
    private const int PdfHeaderWindow = 1024;
    private const int HtmlSniffWindow = 1024;
    private const int MaxContentTypesBytes = 1024 * 1024;

    private static readonly byte[] Ole2Magic = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    private static readonly Dictionary<string, DocumentKind> MainPartTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"] = DocumentKind.Docx,
        ["application/vnd.ms-word.document.macroEnabled.main+xml"] = DocumentKind.Docx,
        ["application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"] = DocumentKind.Docx,
        ["application/vnd.ms-word.template.macroEnabledTemplate.main+xml"] = DocumentKind.Docx,
        ["application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"] = DocumentKind.Pptx,
        ["application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"] = DocumentKind.Pptx,
        ["application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"] = DocumentKind.Pptx,
        ["application/vnd.ms-powerpoint.template.macroEnabled.main+xml"] = DocumentKind.Pptx,
        ["application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml"] = DocumentKind.Pptx,
        ["application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml"] = DocumentKind.Pptx,
        ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"] = DocumentKind.Xlsx,
        ["application/vnd.ms-excel.sheet.macroEnabled.main+xml"] = DocumentKind.Xlsx,
        ["application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"] = DocumentKind.Xlsx,
        ["application/vnd.ms-excel.template.macroEnabled.main+xml"] = DocumentKind.Xlsx,
    };

    private static readonly string[] HtmlStarts = ["<!doctype html", "<html", "<head", "<body"];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The kind of <paramref name="content"/> (the whole file; only a zip is read past its first kilobyte).</summary>
    /// <param name="content">The file's bytes.</param>
    /// <param name="fileName">The file's name: a <c>.html</c>, <c>.htm</c> or <c>.xhtml</c> suffix on UTF-8 text makes it HTML.</param>
    public static DocumentKind Detect(ReadOnlySpan<byte> content, string? fileName = null)
    {
        if (IsPdf(content))
        {
            return DocumentKind.Pdf;
        }

        if (content.StartsWith(Ole2Magic))
        {
            return DocumentKind.ProtectedOrLegacyOffice;
        }

        if (content.StartsWith("PK\x03\x04"u8))
        {
            return OpenXmlKind(content);
        }

        if (LooksLikeHtml(content) || (HasHtmlSuffix(fileName) && IsUtf8Text(content)))
        {
            return DocumentKind.Html;
        }

        return DocumentKind.None;
    }

    private static bool IsPdf(ReadOnlySpan<byte> content)
    {
        var at = content[..Math.Min(content.Length, PdfHeaderWindow + 5)].IndexOf("%PDF-"u8);
        return at == 0 || (at > 0 && content[Math.Max(0, content.Length - 1024)..].IndexOf("%%EOF"u8) >= 0);
    }

    private static unsafe DocumentKind OpenXmlKind(ReadOnlySpan<byte> content)
    {
        try
        {
            fixed (byte* start = content)
            {
                using var stream = new UnmanagedMemoryStream(start, content.Length);
                using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
                var types = zip.GetEntry("[Content_Types].xml");
                if (types is null || types.Length > MaxContentTypesBytes)
                {
                    return DocumentKind.None;
                }

                using var reader = new StreamReader(types.Open(), Encoding.UTF8);
                var xml = reader.ReadToEnd();
                foreach (var (type, kind) in MainPartTypes)
                {
                    if (xml.Contains("\"" + type + "\"", StringComparison.OrdinalIgnoreCase))
                    {
                        return kind;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            // A zip that cannot be read is no Office document we know; it goes on as binary content.
        }

        return DocumentKind.None;
    }

    private static bool LooksLikeHtml(ReadOnlySpan<byte> content)
    {
        var head = content[..Math.Min(content.Length, HtmlSniffWindow)];
        if (head.StartsWith("\uFEFF"u8))
        {
            head = head[3..];
        }
        else if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            var utf16 = (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) ? Encoding.Unicode : Encoding.BigEndianUnicode).GetString(head[2..]);
            return StartsLikeHtml(utf16);
        }

        // Most files are not markup: a head is decoded only when its first visible character opens a tag.
        var visible = 0;
        while (visible < head.Length && char.IsWhiteSpace((char)head[visible]))
        {
            visible++;
        }

        return visible < head.Length && head[visible] == (byte)'<' && StartsLikeHtml(Encoding.Latin1.GetString(head));
    }

    // Leading whitespace, <?xml …?> declarations and comments are passed over, as browsers sniff.
    private static bool StartsLikeHtml(string head)
    {
        var at = 0;
        while (true)
        {
            while (at < head.Length && char.IsWhiteSpace(head[at]))
            {
                at++;
            }

            if (string.CompareOrdinal(head, at, "<!--", 0, 4) == 0)
            {
                var end = head.IndexOf("-->", at + 4, StringComparison.Ordinal);
                if (end < 0)
                {
                    return false;
                }

                at = end + 3;
            }
            else if (string.CompareOrdinal(head, at, "<?xml", 0, 5) == 0)
            {
                var end = head.IndexOf("?>", at, StringComparison.Ordinal);
                if (end < 0)
                {
                    return false;
                }

                at = end + 2;
            }
            else
            {
                break;
            }
        }

        foreach (var start in HtmlStarts)
        {
            if (string.Compare(head, at, start, 0, start.Length, StringComparison.OrdinalIgnoreCase) == 0)
            {
                var next = at + start.Length;
                return next >= head.Length || head[next] is ' ' or '>' or '\t' or '\n' or '\r' or '/';
            }
        }

        return false;
    }

    private static bool HasHtmlSuffix(string? fileName) =>
        fileName is not null
        && (fileName.EndsWith(".html", StringComparison.OrdinalIgnoreCase)
            || fileName.EndsWith(".htm", StringComparison.OrdinalIgnoreCase)
            || fileName.EndsWith(".xhtml", StringComparison.OrdinalIgnoreCase));

    private static bool IsUtf8Text(ReadOnlySpan<byte> content)
    {
        if (content.Contains((byte)0))
        {
            return false;
        }

        try
        {
            StrictUtf8.GetCharCount(content);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}

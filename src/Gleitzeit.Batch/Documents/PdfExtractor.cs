using System.Globalization;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.DocumentLayoutAnalysis;
using UglyToad.PdfPig.DocumentLayoutAnalysis.PageSegmenter;
using UglyToad.PdfPig.DocumentLayoutAnalysis.ReadingOrderDetector;
using UglyToad.PdfPig.DocumentLayoutAnalysis.WordExtractor;
using UglyToad.PdfPig.Exceptions;
using UglyToad.PdfPig.Fonts;

namespace Gleitzeit.Batch.Documents;

/// <summary>
/// PDF files with PdfPig's layout analysis: words by nearest neighbour, text blocks by Docstrum, blocks in reading
/// order. Each page starts with the line <c>&lt;!-- page N --&gt;</c>; a word broken at a line end by a hyphen is
/// joined; a block whose text (digits aside) is at the top or bottom of most pages is a running header or footer and
/// dropped, as are bare page numbers; a short block in clearly larger type than the body is a heading.
/// </summary>
public sealed class PdfExtractor : IDocumentExtractor
{
    public string Name => "pdfpig";

    public string Version => "0.1.16+1";

    public ExtractedDocument Extract(ReadOnlyMemory<byte> content, DocumentLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        try
        {
            using var document = PdfDocument.Open(content.ToArray(), new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true });
            var pageCount = document.NumberOfPages;
            DocumentException.CheckPages("PDF", pageCount, "page", limits);

            var pages = new List<PdfPageText>(pageCount);
            var imageOnly = new List<int>();
            for (var number = 1; number <= pageCount; number++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var page = document.GetPage(number);
                var text = ReadPage(page);
                if (text.Blocks.Count == 0 && page.NumberOfImages > 0)
                {
                    imageOnly.Add(number);
                }

                pages.Add(text);
            }

            if (pages.All(p => p.Blocks.Count == 0))
            {
                if (imageOnly.Count > 0)
                {
                    throw new DocumentException(
                        "PDF without a text layer (scanned images): OCR it first (e.g. `ocrmypdf in.pdf out.pdf`) or send its pages as images to a vision model",
                        DiagnosticCodes.DocumentNoText);
                }

                throw new DocumentException("PDF without any text: nothing to send", DiagnosticCodes.DocumentNoText);
            }

            var writer = new DocumentWriter(limits, cancellationToken);
            PdfLayout.Write(pages, writer);
            foreach (var number in imageOnly)
            {
                writer.Warn(string.Create(CultureInfo.InvariantCulture, $"page {number} has no text layer (scanned image?): nothing of it is sent"));
            }

            return writer.Build(DocumentKind.Pdf, this, pageCount, "page");
        }
        catch (PdfDocumentEncryptedException ex)
        {
            throw new DocumentException("encrypted PDF: it needs a password; save a copy without one (e.g. `qpdf --decrypt --password=… in.pdf out.pdf`)", DiagnosticCodes.DocumentProtected, ex);
        }
        catch (Exception ex) when (ex is PdfDocumentFormatException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException or InvalidCastException or KeyNotFoundException or FormatException or OverflowException or IOException or InvalidFontFormatException or NotSupportedException)
        {
            throw DocumentException.Damaged("PDF", ex);
        }
    }

    private static PdfPageText ReadPage(Page page)
    {
        var letters = page.Letters;
        if (letters.Count == 0)
        {
            return new PdfPageText(page.Number, page.Height, []);
        }

        var words = NearestNeighbourWordExtractor.Instance.GetWords(letters);
        var blocks = DocstrumBoundingBoxes.Instance.GetBlocks(words);
        var ordered = UnsupervisedReadingOrderDetector.Instance.Get(blocks).OrderBy(b => b.ReadingOrder);
        return new PdfPageText(page.Number, page.Height, ordered.Select(ToBlock).Where(b => b.Lines.Count > 0).ToList());
    }

    private static PdfTextBlock ToBlock(TextBlock block)
    {
        var lines = block.TextLines.Select(l => string.Join(' ', l.Words.Select(w => w.Text)).Trim()).Where(l => l.Length > 0).ToList();
        var sizes = block.TextLines.SelectMany(l => l.Words).SelectMany(w => w.Letters).Select(l => l.PointSize).Where(s => s > 0).ToList();
        var size = sizes.Count == 0 ? 0 : sizes.Order().ElementAt(sizes.Count / 2);
        return new PdfTextBlock(lines, size, block.BoundingBox.Top, block.BoundingBox.Bottom);
    }
}

/// <summary>One page's text blocks in reading order, with the page's height to tell its top from its bottom.</summary>
internal sealed record PdfPageText(int Number, double Height, IReadOnlyList<PdfTextBlock> Blocks);

/// <summary>A text block: its lines, its median type size, where it sits on the page.</summary>
internal sealed record PdfTextBlock(IReadOnlyList<string> Lines, double FontSize, double Top, double Bottom);

using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Gleitzeit.Batch.Documents;

/// <summary>
/// Word documents: Title and Heading 1–6 styles (or an outline level) as <c>#</c> headings, numbered and bulleted
/// lists as <c>1.</c>/<c>-</c>, tables as Markdown tables, footnotes as <c>[^n]</c> with their text at the end.
/// </summary>
public sealed class DocxExtractor : IDocumentExtractor
{
    public string Name => "openxml-word";

    public string Version => "3.3.0+1";

    public ExtractedDocument Extract(ReadOnlyMemory<byte> content, DocumentLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return OfficePackage.Extract(content, "Word document", limits, cancellationToken, (stream, settings) =>
        {
            using var document = WordprocessingDocument.Open(stream, false, settings);
            var main = document.MainDocumentPart ?? throw DocumentException.Damaged("Word document (no main part)");
            var writer = new DocumentWriter(limits, cancellationToken);
            var styles = new WordStyles(main);
            var pageBreaks = 0;
            foreach (var element in main.Document?.Body?.ChildElements ?? Enumerable.Empty<OpenXmlElement>())
            {
                pageBreaks += Write(element, writer, styles);
            }

            var footnotes = main.FootnotesPart?.Footnotes?.Elements<Footnote>()
                .Where(f => f.Type is null || f.Type.Value == FootnoteEndnoteValues.Normal)
                .ToList() ?? [];
            foreach (var footnote in footnotes)
            {
                var text = string.Join(' ', footnote.Elements<Paragraph>().Select(ParagraphText)).Trim();
                writer.Paragraph(string.Create(CultureInfo.InvariantCulture, $"[^{footnote.Id?.Value}]: {text}"));
            }

            var savedPages = int.TryParse(document.ExtendedFilePropertiesPart?.Properties?.Pages?.Text, CultureInfo.InvariantCulture, out var p) ? p : 0;
            return writer.Build(DocumentKind.Docx, this, savedPages > 0 ? savedPages : pageBreaks + 1, "page");
        });
    }

    // Returns the hard page breaks written, for the page count of documents that never saved one.
    private static int Write(OpenXmlElement element, DocumentWriter writer, WordStyles styles)
    {
        switch (element)
        {
            case Paragraph paragraph:
                var text = ParagraphText(paragraph);
                if (styles.HeadingLevel(paragraph) is { } level)
                {
                    writer.Heading(level, text);
                }
                else if (styles.ListItem(paragraph) is { } item)
                {
                    writer.ListItem(text, item.Depth, item.Number);
                }
                else
                {
                    writer.Paragraph(text);
                }

                return paragraph.Descendants<Break>().Count(b => b.Type?.Value == BreakValues.Page)
                    + (paragraph.ParagraphProperties?.PageBreakBefore is { } before && (before.Val is null || before.Val.Value) ? 1 : 0);
            case Table table:
                writer.Table(table.Elements<TableRow>()
                    .Select(r => (IReadOnlyList<string>)r.Elements<TableCell>()
                        .Select(c => string.Join(' ', c.Descendants<Paragraph>().Select(ParagraphText)))
                        .ToList())
                    .ToList());
                return 0;
            case SdtBlock block:
                return block.SdtContentBlock?.ChildElements.Sum(e => Write(e, writer, styles)) ?? 0;
            default:
                return 0;
        }
    }

    internal static string ParagraphText(Paragraph paragraph)
    {
        var text = new StringBuilder();
        foreach (var node in paragraph.Descendants())
        {
            switch (node)
            {
                case Text t:
                    text.Append(t.Text);
                    break;
                case TabChar or PositionalTab:
                    text.Append(' ');
                    break;
                case Break b when b.Type is null || b.Type.Value == BreakValues.TextWrapping:
                case CarriageReturn:
                    text.Append('\n');
                    break;
                case NoBreakHyphen:
                    text.Append('-');
                    break;
                case FootnoteReference f:
                    text.Append(CultureInfo.InvariantCulture, $"[^{f.Id?.Value}]");
                    break;
            }
        }

        return text.ToString();
    }
}

using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Presentation;
using Drawing = DocumentFormat.OpenXml.Drawing;

namespace Gleitzeit.Batch.Documents;

/// <summary>
/// PowerPoint presentations, in slide order: <c>## Slide N: title</c>, the slide's text (body placeholders as list
/// items by their level), tables as Markdown tables, then the speaker notes as <c>Notes: …</c>. Hidden slides are
/// kept, their heading marked <c>(hidden)</c>.
/// </summary>
public sealed class PptxExtractor : IDocumentExtractor
{
    public string Name => "openxml-powerpoint";

    public string Version => "3.3.0+1";

    public ExtractedDocument Extract(ReadOnlyMemory<byte> content, DocumentLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return OfficePackage.Extract(content, "PowerPoint presentation", limits, cancellationToken, (stream, settings) =>
        {
            using var document = PresentationDocument.Open(stream, false, settings);
            var presentation = document.PresentationPart ?? throw DocumentException.Damaged("PowerPoint presentation (no presentation part)");
            var slideIds = presentation.Presentation?.SlideIdList?.Elements<SlideId>().ToList() ?? [];
            DocumentException.CheckPages("presentation", slideIds.Count, "slide", limits);

            var writer = new DocumentWriter(limits, cancellationToken);
            var number = 0;
            foreach (var id in slideIds)
            {
                number++;
                if (id.RelationshipId?.Value is not { } rid || presentation.GetPartById(rid) is not SlidePart part)
                {
                    continue;
                }

                WriteSlide(part, number, writer);
            }

            return writer.Build(DocumentKind.Pptx, this, number, "slide");
        });
    }

    private static void WriteSlide(SlidePart part, int number, DocumentWriter writer)
    {
        writer.Page = number;
        var shapes = part.Slide?.CommonSlideData?.ShapeTree?.Descendants()
            .Where(e => e is Shape or GraphicFrame)
            .ToList() ?? [];
        var title = shapes.OfType<Shape>().FirstOrDefault(IsTitle);
        var hidden = part.Slide?.Show is { } show && !show.Value ? " (hidden)" : string.Empty;
        var titleText = title is null ? string.Empty : string.Join(' ', Paragraphs(title.TextBody).Select(p => p.Text));
        writer.Heading(2, string.Create(CultureInfo.InvariantCulture, $"Slide {number}{(titleText.Length > 0 ? ": " + titleText : string.Empty)}{hidden}"));
        foreach (var shape in shapes)
        {
            if (shape == title)
            {
                continue;
            }

            if (shape is Shape s)
            {
                var list = IsBody(s);
                foreach (var (text, level) in Paragraphs(s.TextBody))
                {
                    if (list)
                    {
                        writer.ListItem(text, level, null);
                    }
                    else
                    {
                        writer.Paragraph(text);
                    }
                }
            }
            else if (shape.Descendants<Drawing.Table>().FirstOrDefault() is { } table)
            {
                writer.Table(table.Elements<Drawing.TableRow>()
                    .Select(r => (IReadOnlyList<string>)r.Elements<Drawing.TableCell>()
                        .Select(c => string.Join(' ', Paragraphs(c.TextBody).Select(p => p.Text)))
                        .ToList())
                    .ToList());
            }
        }

        var notes = part.NotesSlidePart?.NotesSlide?.CommonSlideData?.ShapeTree?.Elements<Shape>()
            .Where(n => n.NonVisualShapeProperties?.ApplicationNonVisualDrawingProperties?.PlaceholderShape?.Type?.Value == PlaceholderValues.Body)
            .SelectMany(n => Paragraphs(n.TextBody).Select(p => p.Text))
            .ToList() ?? [];
        if (notes.Count > 0)
        {
            writer.Paragraph("Notes: " + string.Join('\n', notes));
        }
    }

    private static bool IsTitle(Shape shape) =>
        shape.NonVisualShapeProperties?.ApplicationNonVisualDrawingProperties?.PlaceholderShape?.Type?.Value is { } type
        && (type == PlaceholderValues.Title || type == PlaceholderValues.CenteredTitle);

    // A placeholder without a type is the layout's body (or object) placeholder: its paragraphs are bullets.
    private static bool IsBody(Shape shape) =>
        shape.NonVisualShapeProperties?.ApplicationNonVisualDrawingProperties?.PlaceholderShape is { } placeholder
        && (placeholder.Type is null || placeholder.Type.Value == PlaceholderValues.Body || placeholder.Type.Value == PlaceholderValues.Object);

    private static IEnumerable<(string Text, int Level)> Paragraphs(OpenXmlElement? body)
    {
        if (body is null)
        {
            yield break;
        }

        foreach (var paragraph in body.Elements<Drawing.Paragraph>())
        {
            var text = new StringBuilder();
            foreach (var node in paragraph.ChildElements)
            {
                switch (node)
                {
                    case Drawing.Run run:
                        text.Append(run.Text?.Text);
                        break;
                    case Drawing.Field field:
                        text.Append(field.Text?.Text);
                        break;
                    case Drawing.Break:
                        text.Append('\n');
                        break;
                }
            }

            if (text.Length > 0)
            {
                yield return (text.ToString(), paragraph.ParagraphProperties?.Level?.Value ?? 0);
            }
        }
    }
}

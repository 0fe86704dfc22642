using System.Globalization;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Gleitzeit.Batch.Documents;

/// <summary>
/// Excel workbooks, sheet by sheet in workbook order: <c>## Sheet: name</c> and its used range as a Markdown table
/// (the first used row its header). Shared strings are resolved, numbers written in the invariant culture, cells whose
/// number format is a date as ISO 8601, formulas as their cached values. Hidden sheets are skipped, with a warning.
/// </summary>
public sealed class XlsxExtractor : IDocumentExtractor
{
    public string Name => "openxml-excel";

    public string Version => "3.3.0+1";

    public ExtractedDocument Extract(ReadOnlyMemory<byte> content, DocumentLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return OfficePackage.Extract(content, "Excel workbook", limits, cancellationToken, (stream, settings) =>
        {
            using var document = SpreadsheetDocument.Open(stream, false, settings);
            var workbook = document.WorkbookPart ?? throw DocumentException.Damaged("Excel workbook (no workbook part)");
            var sheets = workbook.Workbook?.Sheets?.Elements<Sheet>().ToList() ?? [];
            DocumentException.CheckPages("workbook", sheets.Count, "sheet", limits);

            var cells = new SheetCells(workbook);
            var writer = new DocumentWriter(limits, cancellationToken);
            var written = 0;
            foreach (var sheet in sheets)
            {
                var name = sheet.Name?.Value ?? "?";
                if (sheet.State is { } state && state.Value != SheetStateValues.Visible)
                {
                    writer.Warn($"hidden sheet \"{name}\" skipped");
                    continue;
                }

                if (sheet.Id?.Value is not { } rid || workbook.GetPartById(rid) is not WorksheetPart part)
                {
                    continue;
                }

                written++;
                writer.Page = written;
                writer.Heading(2, "Sheet: " + name);
                var rows = cells.UsedRange(part, cancellationToken);
                if (rows.Count == 0)
                {
                    writer.Paragraph("(empty)");
                }
                else
                {
                    writer.Table(rows);
                }
            }

            return writer.Build(DocumentKind.Xlsx, this, written, "sheet");
        });
    }
}

using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Gleitzeit.Batch.Tests.Documents;

/// <summary>The test documents: files other programs made (TestData/Documents) and the ones made here.</summary>
internal static class DocumentFiles
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "Documents", name);

    public static byte[] Read(string name) => File.ReadAllBytes(PathOf(name));

    /// <summary>A PDF whose one page is a picture, as a scanner makes them.</summary>
    public static byte[] ImageOnlyPdf()
    {
        var builder = new PdfDocumentBuilder();
        var page = builder.AddPage(PageSize.A4);
        page.AddPng(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "test_colors.png")), new PdfRectangle(50, 50, 500, 700));
        return builder.Build();
    }

    /// <summary>A PDF of <paramref name="pages"/> pages, each with one line of text.</summary>
    public static byte[] PagesPdf(int pages, Func<int, string>? text = null)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        for (var i = 1; i <= pages; i++)
        {
            var page = builder.AddPage(200, 200);
            page.AddText(text?.Invoke(i) ?? $"page {i}", 10, new PdfPoint(20, 100), font);
        }

        return builder.Build();
    }

    /// <summary>A manual of <paramref name="pages"/> A4 pages of <paramref name="lines"/> lines each, as <paramref name="line"/>(page, line) writes them.</summary>
    public static byte[] ManualPdf(int pages, int lines, Func<int, int, string> line)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        for (var p = 1; p <= pages; p++)
        {
            var page = builder.AddPage(595, 842);
            for (var l = 0; l < lines; l++)
            {
                page.AddText(line(p, l), 10, new PdfPoint(50, 790 - (l * 16)), font);
            }
        }

        return builder.Build();
    }

    /// <summary>A DOCX whose document.xml unpacks to <paramref name="megabytes"/> MB of zeros from a few hundred KB.</summary>
    public static byte[] ZipBombDocx(int megabytes)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var types = new StreamWriter(zip.CreateEntry("[Content_Types].xml").Open()))
            {
                types.Write("""<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>""");
            }

            using var document = zip.CreateEntry("word/document.xml", CompressionLevel.Optimal).Open();
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < megabytes; i++)
            {
                document.Write(zeros);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>The start of an OLE2 compound file, as Office writes a password-protected document or a legacy .doc.</summary>
    public static byte[] Ole2()
    {
        var bytes = new byte[4096];
        new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 }.CopyTo(bytes, 0);
        return bytes;
    }

    /// <summary>An XLSX written with OpenXml: a sheet with shared strings, a number, a date and a formula; a second sheet; a hidden one.</summary>
    public static byte[] Workbook()
    {
        using var buffer = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(buffer, SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.Workbook = new Workbook();
            var styles = workbook.AddNewPart<WorkbookStylesPart>();
            styles.Stylesheet = new Stylesheet(
                new Fonts(new Font()) { Count = 1 },
                new Fills(new Fill()) { Count = 1 },
                new Borders(new Border()) { Count = 1 },
                new CellFormats(new CellFormat(), new CellFormat { NumberFormatId = 14, ApplyNumberFormat = true }) { Count = 2 });
            var strings = workbook.AddNewPart<SharedStringTablePart>();
            strings.SharedStringTable = new SharedStringTable(
                new SharedStringItem(new Text("Item")), new SharedStringItem(new Text("Price")), new SharedStringItem(new Text("Bought")), new SharedStringItem(new Text("Rope")), new SharedStringItem(new Text("Total")));
            var sheets = workbook.Workbook.AppendChild(new Sheets());
            AddSheet(workbook, sheets, 1, "Gear", null,
                new Row(S("A1", 0), S("B1", 1), S("C1", 2)) { RowIndex = 1 },
                new Row(S("A2", 3), new Cell { CellReference = "B2", CellValue = new CellValue("12.5") }, new Cell { CellReference = "C2", StyleIndex = 1, CellValue = new CellValue("45292") }) { RowIndex = 2 },
                new Row(S("A3", 4), new Cell { CellReference = "B3", CellFormula = new CellFormula("SUM(B2:B2)"), CellValue = new CellValue("12.5") }) { RowIndex = 3 });
            AddSheet(workbook, sheets, 2, "Notes", null,
                new Row(new Cell { CellReference = "B2", DataType = CellValues.InlineString, InlineString = new InlineString(new Text("Checked by Ana")) }) { RowIndex = 2 });
            AddSheet(workbook, sheets, 3, "Secret", SheetStateValues.Hidden,
                new Row(new Cell { CellReference = "A1", DataType = CellValues.InlineString, InlineString = new InlineString(new Text("hidden value")) }) { RowIndex = 1 });
        }

        return buffer.ToArray();
    }

    private static Cell S(string reference, int index) => new() { CellReference = reference, DataType = CellValues.SharedString, CellValue = new CellValue(index.ToString(System.Globalization.CultureInfo.InvariantCulture)) };

    private static void AddSheet(WorkbookPart workbook, Sheets sheets, uint id, string name, SheetStateValues? state, params Row[] rows)
    {
        var part = workbook.AddNewPart<WorksheetPart>();
        part.Worksheet = new Worksheet(new SheetData(rows.Cast<OpenXmlElement>()));
        var sheet = new Sheet { Id = workbook.GetIdOfPart(part), SheetId = id, Name = name };
        if (state is not null)
        {
            sheet.State = state;
        }

        sheets.Append(sheet);
    }

    public static byte[] Html(string html, Encoding? encoding = null) => (encoding ?? Encoding.UTF8).GetBytes(html);
}

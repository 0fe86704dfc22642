using System.Diagnostics;
using Gleitzeit.Batch.Documents;

namespace Gleitzeit.Batch.Tests.Documents;

public sealed class OfficeExtractorTests
{
    [Fact]
    public void PandocDocx_HasHeadingsListsTablesAndFootnotes_AsMarkdown()
    {
        var document = DocumentExtractors.Extract(DocumentFiles.Read("pandoc-meadows.docx"))!;

        Assert.Equal("openxml-word/3.3.0+1", document.Extractor);
        Assert.StartsWith("# Field Guide to Alpine Meadows\n\n# Flowers of the high pastures\n", document.Text, StringComparison.Ordinal);
        Assert.Contains("\n## What to look for\n\n- Blue trumpet-shaped petals\n- Low rosettes of leaves\n", document.Text, StringComparison.Ordinal);
        Assert.Contains("\n1. Walk the path slowly\n2. Stop at the second cairn\n3. Count the flowers you see\n", document.Text, StringComparison.Ordinal);
        Assert.Contains("| Flower | Colour | Height (cm) |\n| --- | --- | --- |\n| Gentian | blue | 5 |", document.Text, StringComparison.Ordinal);
        Assert.Contains("| Pipe a\\|b | red | 3 |", document.Text, StringComparison.Ordinal);
        Assert.Matches(@"circles\.\[\^(\d+)\][\s\S]*\n\[\^\1\]: Observed at the Grimsel pass in July\.\n$", document.Text);
        Assert.Contains(document.Blocks, b => b.Kind == DocumentBlockKind.Heading && b.Level == 2);
        Assert.Contains(document.Blocks, b => b.Kind == DocumentBlockKind.Table);
    }

    [Fact]
    public void PandocPptx_HasSlidesInOrder_TitlesBulletsTablesAndNotes()
    {
        var document = DocumentExtractors.Extract(DocumentFiles.Read("pandoc-glacier.pptx"))!;

        Assert.Equal(3, document.PageCount);
        Assert.Equal("slide", document.PageUnit);
        Assert.Equal(
            "## Slide 1: Quarterly Glacier Report\n\n## Slide 2: Ice mass balance\n\n- The glacier lost 2.1 metres this year\n- Melt began three weeks early\n\n"
            + "Notes: Mention the early melt and the new stake measurements.\n\n## Slide 3: Stations\n\n| Station | Altitude |\n| --- | --- |\n| Upper camp | 3100 |\n| Lower camp | 2400 |\n",
            document.Text);
        Assert.Equal([1, 2, 3], document.Blocks.Where(b => b.Kind == DocumentBlockKind.Heading).Select(b => b.Page));
    }

    [Fact]
    public void Xlsx_HasEachVisibleSheetAsATable_WithDatesNumbersAndFormulaValues()
    {
        var document = DocumentExtractors.Extract(DocumentFiles.Workbook())!;

        Assert.Equal(
            "## Sheet: Gear\n\n| Item | Price | Bought |\n| --- | --- | --- |\n| Rope | 12.5 | 2024-01-01 |\n| Total | 12.5 |  |\n\n## Sheet: Notes\n\n| Checked by Ana |\n| --- |\n",
            document.Text);
        Assert.Equal(2, document.PageCount);
        Assert.Equal(["hidden sheet \"Secret\" skipped"], document.Warnings);
    }

    [Fact]
    public void CommittedWorkbook_IsTheGeneratorsWorkbook() =>
        Assert.Equal(DocumentExtractors.Extract(DocumentFiles.Workbook())!.Text, DocumentExtractors.Extract(DocumentFiles.Read("openxml-gear.xlsx"))!.Text);

    [Fact]
    public void ZipBombDocx_IsSkippedBeforeItIsUnpacked()
    {
        var bomb = DocumentFiles.ZipBombDocx(300);
        Assert.True(bomb.Length < 2 * 1024 * 1024, bomb.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<DocumentException>(() => DocumentExtractors.Extract(bomb));
        Assert.Equal(DiagnosticCodes.DocumentOverLimit, error.Code);
        Assert.Contains("zip bomb", error.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), watch.Elapsed.ToString());
    }

    [Fact]
    public void PartOverTheCharacterLimit_StopsWhileItIsRead()
    {
        var bomb = DocumentFiles.ZipBombDocx(3);
        var error = Assert.Throws<DocumentException>(() =>
            DocumentExtractors.Extract(bomb, limits: new DocumentLimits { MaxUncompressedBytes = 1024 * 1024, MaxCompressionRatio = int.MaxValue / 2 }));
        Assert.Equal(DiagnosticCodes.DocumentOverLimit, error.Code);
    }

    [Fact]
    public void TruncatedDocx_IsADamagedDocument()
    {
        var docx = DocumentFiles.Read("pandoc-meadows.docx");
        var error = Assert.Throws<DocumentException>(() => new DocxExtractor().Extract(docx[..(docx.Length / 2)], DocumentLimits.Default, default));
        Assert.Equal(DiagnosticCodes.DocumentDamaged, error.Code);
    }
}

using System.Diagnostics;
using System.Text.RegularExpressions;
using Gleitzeit.Batch.Documents;

namespace Gleitzeit.Batch.Tests.Documents;

public sealed class PdfExtractorTests
{
    [Fact]
    public void RealPdf_ReadsInOrder_WithPagesMarked_HeadingsFound_AndRunningHeadsDropped()
    {
        var document = DocumentExtractors.Extract(DocumentFiles.Read("shared-mime-info-spec.pdf"))!;

        Assert.Equal("pdfpig/0.1.16+1", document.Extractor);
        Assert.Equal(17, document.PageCount);
        Assert.StartsWith("<!-- page 1 -->\n\n", document.Text, StringComparison.Ordinal);
        Assert.Contains("\n<!-- page 17 -->\n", document.Text, StringComparison.Ordinal);
        Assert.Contains("\n# 1. Introduction\n", document.Text, StringComparison.Ordinal);
        Assert.Contains("This is version 0.21 of the Shared MIME-info Database specification, last updated 2 October 2018.", document.Text, StringComparison.Ordinal);
        Assert.True(document.Text.IndexOf("1.1. Version", StringComparison.Ordinal) < document.Text.IndexOf("1.2. What is this spec?", StringComparison.Ordinal));
        Assert.Empty(Regex.Matches(document.Text, @"^Shared MIME-info Database$", RegexOptions.Multiline));
        Assert.Empty(Regex.Matches(document.Text, @"^\d+$", RegexOptions.Multiline));
        Assert.DoesNotContain('\r', document.Text);
        Assert.Equal(17, document.Blocks.Count(b => b.Kind == DocumentBlockKind.PageBreak));
        Assert.All(document.Blocks, b => Assert.False(char.IsWhiteSpace(document.Text[b.Start]) || char.IsWhiteSpace(document.Text[b.Start + b.Length - 1])));
        Assert.Equal(document.Text, DocumentExtractors.Extract(DocumentFiles.Read("shared-mime-info-spec.pdf"))!.Text);
    }

    [Fact]
    public void WordsBrokenAtLineEnds_AreJoined_OtherLinesMeetWithASpace()
    {
        Assert.Equal("the extraction works", PdfLayout.Join(["the extrac-", "tion works"]));
        Assert.Equal("GNU Lesser General", PdfLayout.Join(["GNU", "Lesser General"]));
        Assert.Equal("well-Known", PdfLayout.Join(["well-", "Known"]).Replace(" ", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public void EncryptedPdf_SaysItNeedsAPassword()
    {
        var error = Assert.Throws<DocumentException>(() => DocumentExtractors.Extract(DocumentFiles.Read("encrypted.pdf")));
        Assert.Equal(DiagnosticCodes.DocumentProtected, error.Code);
        Assert.StartsWith("encrypted PDF", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScannedPdf_SaysItHasNoTextLayer_AndWhatToDo()
    {
        var error = Assert.Throws<DocumentException>(() => DocumentExtractors.Extract(DocumentFiles.ImageOnlyPdf()));
        Assert.Equal(DiagnosticCodes.DocumentNoText, error.Code);
        Assert.Contains("scanned", error.Message, StringComparison.Ordinal);
        Assert.Contains("ocrmypdf", error.Message, StringComparison.Ordinal);
        Assert.Contains("vision model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DamagedPdf_IsADamagedDocument()
    {
        var pdf = DocumentFiles.Read("shared-mime-info-spec.pdf");
        var garbled = pdf[..2048].Concat(new byte[4096]).ToArray();
        var error = Assert.Throws<DocumentException>(() => DocumentExtractors.Extract(garbled));
        Assert.Contains(error.Code, new[] { DiagnosticCodes.DocumentDamaged, DiagnosticCodes.DocumentNoText });
    }

    [Fact]
    public void TruncatedPdf_GivesWhatCanBeRead_OrADamagedError_Quickly()
    {
        var pdf = DocumentFiles.Read("shared-mime-info-spec.pdf");
        var watch = Stopwatch.StartNew();
        try
        {
            var document = DocumentExtractors.Extract(pdf[..(pdf.Length / 2)]);
            Assert.NotNull(document);
        }
        catch (DocumentException ex)
        {
            Assert.Contains(ex.Code, new[] { DiagnosticCodes.DocumentDamaged, DiagnosticCodes.DocumentNoText });
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), watch.Elapsed.ToString());
    }

    [Fact]
    public void PdfOfThousandsOfPages_IsSkippedAtThePageLimit_BeforeAnyPageIsRead()
    {
        var pdf = DocumentFiles.PagesPdf(3_000);
        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<DocumentException>(() => DocumentExtractors.Extract(pdf));
        Assert.Equal(DiagnosticCodes.DocumentOverLimit, error.Code);
        Assert.True(error.IsSkip);
        Assert.Contains("3,000 pages", error.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
    }

    [Fact]
    public void RepeatedFooter_IsDropped_ButTheBodyStays()
    {
        var builder = new UglyToad.PdfPig.Writer.PdfDocumentBuilder();
        var font = builder.AddStandard14Font(UglyToad.PdfPig.Fonts.Standard14Fonts.Standard14Font.Helvetica);
        for (var i = 1; i <= 4; i++)
        {
            var page = builder.AddPage(400, 600);
            page.AddText("ACME Confidential", 8, new UglyToad.PdfPig.Core.PdfPoint(20, 580), font);
            for (var line = 0; line < 6; line++)
            {
                page.AddText(line == 0 ? $"Body text of section {i}." : $"More words on line {line} of the body.", 10, new UglyToad.PdfPig.Core.PdfPoint(20, 400 - (line * 12)), font);
            }

            page.AddText($"{i}", 8, new UglyToad.PdfPig.Core.PdfPoint(200, 20), font);
        }

        var text = DocumentExtractors.Extract(builder.Build())!.Text;
        Assert.DoesNotContain("ACME Confidential", text, StringComparison.Ordinal);
        Assert.Contains("Body text of section 3.", text, StringComparison.Ordinal);
        Assert.Empty(Regex.Matches(text, @"^\d$", RegexOptions.Multiline));
    }

    [Fact]
    public void ExtractionOverTheTimeLimit_IsSkipped()
    {
        var error = Assert.Throws<DocumentException>(() =>
            DocumentExtractors.Extract(DocumentFiles.PagesPdf(200), limits: new DocumentLimits { TimeLimit = TimeSpan.FromTicks(1) }));
        Assert.Equal(DiagnosticCodes.DocumentOverLimit, error.Code);
    }
}

using System.Text;
using Gleitzeit.Batch.Documents;

namespace Gleitzeit.Batch.Tests.Documents;

public sealed class DocumentKindsTests
{
    [Theory]
    [InlineData("shared-mime-info-spec.pdf", DocumentKind.Pdf)]
    [InlineData("encrypted.pdf", DocumentKind.Pdf)]
    [InlineData("pandoc-meadows.docx", DocumentKind.Docx)]
    [InlineData("pandoc-glacier.pptx", DocumentKind.Pptx)]
    [InlineData("libffi-introduction.html", DocumentKind.Html)]
    public void RealFiles_AreKnownByTheirBytes_NotTheirNames(string file, DocumentKind kind) =>
        Assert.Equal(kind, DocumentKinds.Detect(DocumentFiles.Read(file), "renamed.bin"));

    [Fact]
    public void Xlsx_IsKnownByItsContentTypes() => Assert.Equal(DocumentKind.Xlsx, DocumentKinds.Detect(DocumentFiles.Workbook()));

    [Fact]
    public void Pdf_WithJunkBeforeItsHeader_IsStillAPdf()
    {
        var pdf = DocumentFiles.Read("shared-mime-info-spec.pdf");
        Assert.Equal(DocumentKind.Pdf, DocumentKinds.Detect([.. Encoding.ASCII.GetBytes(new string('x', 600)), .. pdf]));
    }

    [Fact]
    public void TextThatMentionsThePdfHeader_IsText() =>
        Assert.Equal(DocumentKind.None, DocumentKinds.Detect("Notes: a PDF starts with %PDF-1.7 and ends otherwise.\n"u8));

    [Fact]
    public void Ole2File_IsAProtectedOrLegacyOfficeFile_WithAClearError()
    {
        Assert.Equal(DocumentKind.ProtectedOrLegacyOffice, DocumentKinds.Detect(DocumentFiles.Ole2()));
        var error = Assert.Throws<DocumentException>(() => DocumentExtractors.Extract(DocumentFiles.Ole2(), "budget.xlsx"));
        Assert.Equal(DiagnosticCodes.DocumentProtected, error.Code);
        Assert.Contains("password-protected or legacy binary Office file", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("NUL", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<!DOCTYPE html><title>x</title>")]
    [InlineData("\uFEFF  \n<!-- generated -->\n<HTML lang=en>")]
    [InlineData("<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">")]
    [InlineData("<body><p>hi</p></body>")]
    public void HtmlHeads_AreHtml(string head) => Assert.Equal(DocumentKind.Html, DocumentKinds.Detect(Encoding.UTF8.GetBytes(head)));

    [Fact]
    public void HtmlSuffix_OnUtf8Text_IsHtml_ButPlainTextIsNot()
    {
        var fragment = "<p>A fragment without a head</p>"u8;
        Assert.Equal(DocumentKind.Html, DocumentKinds.Detect(fragment, "part.htm"));
        Assert.Equal(DocumentKind.None, DocumentKinds.Detect(fragment, "part.md"));
        Assert.Equal(DocumentKind.None, DocumentKinds.Detect("# Notes\nplain text\n"u8, "notes.txt"));
        Assert.Null(DocumentExtractors.Extract("# Notes\n"u8.ToArray(), "notes.md"));
    }
}

using System.Diagnostics;
using System.Globalization;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Gleitzeit.Batch.Documents;

namespace Gleitzeit.Benchmarks;

/// <summary>
/// Extraction speed in pages per second: the PDFs Debian's documentation packages install, side by side with poppler's
/// <c>pdftotext</c> on the same files (one process per file, as a batch would run it), and a Word document of 200 pages.
/// </summary>
internal static class ExtractBenchmarks
{
    private const int Repeats = 3;

    private static readonly string[] Pdfs =
    [
        "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf",
        "/usr/share/doc/libtasn1-doc/libtasn1.pdf",
    ];

    public static void Run()
    {
        Console.WriteLine("== extraction, pages/s (median of 3, after one warm-up)");
        foreach (var pdf in Pdfs.Where(File.Exists))
        {
            var bytes = File.ReadAllBytes(pdf);
            var document = DocumentExtractors.Extract(bytes)!;
            var ours = Median(() => DocumentExtractors.Extract(bytes));
            var poppler = Median(() => PdfToText(pdf));
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{Path.GetFileName(pdf)} ({document.PageCount} pages): {document.Extractor} {document.PageCount / ours:0} pages/s ({ours * 1000 / document.PageCount:0.0} ms/page), pdftotext {document.PageCount / poppler:0} pages/s ({poppler * 1000 / document.PageCount:0.0} ms/page): {ours / poppler:0.00} x (target <= 1.2)"));
        }

        var docx = Docx(200);
        var word = DocumentExtractors.Extract(docx)!;
        var docxSeconds = Median(() => DocumentExtractors.Extract(docx));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"generated DOCX ({word.PageCount} pages, {word.Text.Length:N0} characters): {word.Extractor} {word.PageCount / docxSeconds:0} pages/s ({docxSeconds * 1000 / word.PageCount:0.00} ms/page)"));
    }

    private static double Median(Action action)
    {
        action();
        var times = new List<double>();
        for (var i = 0; i < Repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times.Add(watch.Elapsed.TotalSeconds);
        }

        return times.Order().ElementAt(Repeats / 2);
    }

    private static void PdfToText(string pdf)
    {
        using var process = Process.Start(new ProcessStartInfo("pdftotext", [pdf, "-"]) { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("pdftotext did not start (apt-get install poppler-utils)");
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
    }

    // A page: a heading and five paragraphs of about 500 characters, then a page break.
    private static byte[] Docx(int pages)
    {
        using var buffer = new MemoryStream();
        using (var document = WordprocessingDocument.Create(buffer, DocumentFormat.OpenXml.WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            var body = new Body();
            var sentence = "The survey team walked the upper ridge at dawn and counted the flowers on each side of the path. ";
            for (var page = 1; page <= pages; page++)
            {
                body.Append(new Paragraph(new Run(new Text(string.Create(CultureInfo.InvariantCulture, $"Section {page}")))) { ParagraphProperties = new ParagraphProperties(new OutlineLevel { Val = 0 }) });
                for (var p = 0; p < 5; p++)
                {
                    body.Append(new Paragraph(new Run(new Text(string.Concat(Enumerable.Repeat(sentence, 5))))));
                }

                body.Append(new Paragraph(new Run(new Break { Type = BreakValues.Page })));
            }

            main.Document = new Document(body);
        }

        return buffer.ToArray();
    }
}

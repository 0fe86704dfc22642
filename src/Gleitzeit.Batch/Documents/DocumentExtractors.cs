using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Gleitzeit.Batch.Documents;

/// <summary>
/// The one way to extract a document: tells its kind from its bytes, picks the extractor, and holds the time limit.
/// Plain text, images and other files are not documents (<see cref="DocumentKind.None"/>) and go on as before.
/// </summary>
public static class DocumentExtractors
{
    private static readonly IDocumentExtractor Pdf = new PdfExtractor();
    private static readonly IDocumentExtractor Docx = new DocxExtractor();
    private static readonly IDocumentExtractor Pptx = new PptxExtractor();
    private static readonly IDocumentExtractor Xlsx = new XlsxExtractor();
    private static readonly IDocumentExtractor Html = new HtmlExtractor();

    /// <summary>The extractor for <paramref name="kind"/>, or null for <see cref="DocumentKind.None"/>.</summary>
    /// <exception cref="DocumentException">An OLE2 file: password-protected or legacy binary Office (GZ3011).</exception>
    public static IDocumentExtractor? For(DocumentKind kind) => kind switch
    {
        DocumentKind.Pdf => Pdf,
        DocumentKind.Docx => Docx,
        DocumentKind.Pptx => Pptx,
        DocumentKind.Xlsx => Xlsx,
        DocumentKind.Html => Html,
        DocumentKind.ProtectedOrLegacyOffice => throw new DocumentException(
            "password-protected or legacy binary Office file: save it as .docx/.xlsx/.pptx without a password",
            DiagnosticCodes.DocumentProtected),
        _ => null,
    };

    /// <summary>The extractor <paramref name="content"/> needs (its <see cref="IDocumentExtractor.Id"/> goes into the cache key without extracting), or null when it is not a document.</summary>
    /// <exception cref="DocumentException">An OLE2 file: password-protected or legacy binary Office (GZ3011).</exception>
    public static IDocumentExtractor? For(ReadOnlySpan<byte> content, string? fileName = null) => For(DocumentKinds.Detect(content, fileName));

    /// <summary>Extracts <paramref name="content"/>, or returns null when it is not a document.</summary>
    /// <param name="content">The file's bytes, already within the size limit.</param>
    /// <param name="fileName">The file's name (only a <c>.html</c>-like suffix is read from it).</param>
    /// <param name="limits">What one extraction may cost; <see cref="DocumentLimits.Default"/> when null.</param>
    /// <param name="cancellationToken">Ends the extraction.</param>
    /// <exception cref="DocumentException">Protected, without text, damaged or over a limit (the time limit too).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended it.</exception>
    private static readonly AsyncLocal<StrongBox<int>?> Counter = new();

    /// <summary>Counts the extractions in this async flow from now on (what a run that should extract nothing is checked with).</summary>
    public static StrongBox<int> CountExtractions() => Counter.Value = new StrongBox<int>();

    public static ExtractedDocument? Extract(ReadOnlyMemory<byte> content, string? fileName = null, DocumentLimits? limits = null, CancellationToken cancellationToken = default)
    {
        limits ??= DocumentLimits.Default;
        var extractor = For(content.Span, fileName);
        if (extractor is null)
        {
            return null;
        }

        if (Counter.Value is { } counter)
        {
            Interlocked.Increment(ref counter.Value);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limits.TimeLimit);
        var started = Stopwatch.GetTimestamp();
        ExtractedDocument? document;
        try
        {
            document = extractor.Extract(content, limits, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw OverTime(limits);
        }

        // The timer may not have fired yet on a busy thread pool; the clock decides, so the limit holds either way.
        return Stopwatch.GetElapsedTime(started) > limits.TimeLimit ? throw OverTime(limits) : document;
    }

    private static DocumentException OverTime(DocumentLimits limits) =>
        DocumentException.OverLimit(string.Create(CultureInfo.InvariantCulture, $"document whose extraction took over {limits.TimeLimit.TotalSeconds:0} s"));
}

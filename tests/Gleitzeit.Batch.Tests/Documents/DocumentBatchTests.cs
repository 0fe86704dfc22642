using Gleitzeit.Batch.Documents;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Tests.Execution;

namespace Gleitzeit.Batch.Tests.Documents;

/// <summary>PDF, Office and HTML files in a batch: the model receives their text, keys stand on their bytes and extractor, and a bad one fails alone.</summary>
public sealed class DocumentBatchTests : IAsyncLifetime
{
    private BatchHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await BatchHarness.StartAsync();
        foreach (var (name, file) in new[] { ("spec.pdf", "shared-mime-info-spec.pdf"), ("meadows.docx", "pandoc-meadows.docx"), ("glacier.pptx", "pandoc-glacier.pptx"), ("gear.xlsx", "openxml-gear.xlsx"), ("libffi.html", "libffi-introduction.html") })
        {
            _h.Workspace.WriteBytes(name, DocumentFiles.Read(file));
        }

        _h.Workspace.Write("notes.txt", "Plain notes");
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Documents_AreSentAsTheirText_NamedByTheirExtractor_AndANoOpRunExtractsNothing()
    {
        var outcome = await _h.RunAsync();

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.File + ": " + r.Error)));
        var pdf = _h.Server.ChatRequests.Single(r => r.FileName == "spec.pdf").UserContent;
        Assert.Contains("File content from spec.pdf:\n", pdf, StringComparison.Ordinal);
        Assert.Contains("<!-- page 2 -->", pdf, StringComparison.Ordinal);
        Assert.Contains("Shared MIME-info Database", pdf, StringComparison.Ordinal);
        Assert.DoesNotContain("%PDF", pdf, StringComparison.Ordinal);
        Assert.StartsWith("pdfpig/", outcome.Record.Results["spec.pdf"].Extractor, StringComparison.Ordinal);
        Assert.StartsWith("openxml-word/", outcome.Record.Results["meadows.docx"].Extractor, StringComparison.Ordinal);
        Assert.StartsWith("anglesharp/", outcome.Record.Results["libffi.html"].Extractor, StringComparison.Ordinal);
        Assert.Null(outcome.Record.Results["notes.txt"].Extractor);
        _h.Server.ClearLog();

        var count = DocumentExtractors.CountExtractions();
        var again = await _h.RunAsync();

        Assert.Equal(6, again.Record.Cached);
        Assert.Empty(_h.Server.ChatRequests);
        Assert.Equal(0, count.Value);
    }

    [Fact]
    public async Task AnEncryptedPdf_FailsAlone_WithItsCode_AndTheOthersAreAnswered()
    {
        _h.Workspace.WriteBytes("locked.pdf", DocumentFiles.Read("encrypted.pdf"));
        _h.Workspace.WriteBytes("scan.pdf", DocumentFiles.ImageOnlyPdf());

        var outcome = await _h.RunAsync();

        Assert.Equal(DiagnosticCodes.DocumentProtected, outcome.Record.Results["locked.pdf"].ErrorCode);
        Assert.Contains("password", outcome.Record.Results["locked.pdf"].Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(DiagnosticCodes.DocumentNoText, outcome.Record.Results["scan.pdf"].ErrorCode);
        Assert.Equal(6, outcome.Record.Results.Values.Count(r => r.Status == ItemResult.Success));
        Assert.DoesNotContain(_h.Server.ChatRequests, r => r.FileName is "locked.pdf" or "scan.pdf");
    }
}

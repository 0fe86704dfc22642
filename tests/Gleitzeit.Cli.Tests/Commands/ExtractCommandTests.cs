using System.Text.Json;

namespace Gleitzeit.Cli.Tests.Commands;

/// <summary><c>gleitzeit extract</c> prints what the model receives; run against the native program too, it proves the document libraries work ahead of time.</summary>
public sealed class ExtractCommandTests : IAsyncLifetime
{
    private CliHarness _h = null!;

    public async Task InitializeAsync() => _h = await CliHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static string Document(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "Documents", name);

    [Theory]
    [InlineData("shared-mime-info-spec.pdf", "# 1. Introduction", "PDF, 17 pages", "pdfpig/0.1.16+1")]
    [InlineData("pandoc-meadows.docx", "| Pipe a\\|b | red | 3 |", "DOCX, 1 page", "openxml-word/3.3.0+1")]
    [InlineData("pandoc-glacier.pptx", "Notes: Mention the early melt", "PPTX, 3 slides", "openxml-powerpoint/3.3.0+1")]
    [InlineData("openxml-gear.xlsx", "| Rope | 12.5 | 2024-01-01 |", "XLSX, 2 sheets", "openxml-excel/3.3.0+1")]
    [InlineData("libffi-introduction.html", "## 1 What is libffi?", "HTML, 1 page", "anglesharp/1.10.4+2")]
    public async Task Document_PrintsItsMarkdown_AndSaysWhatReadIt(string file, string text, string summary, string extractor)
    {
        var result = await _h.RunAsync("extract", Document(file), "--max-size", "1MB");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(text, result.Out, StringComparison.Ordinal);
        Assert.Contains(summary, result.Error, StringComparison.Ordinal);
        Assert.Contains(extractor, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_HasTheTextExtractorPagesAndBlocks()
    {
        var result = await _h.RunAsync("extract", Document("pandoc-glacier.pptx"), "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("openxml-powerpoint/3.3.0+1", json.RootElement.GetProperty("extractor").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("pages").GetInt32());
        Assert.StartsWith("## Slide 1: Quarterly Glacier Report", json.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("heading", json.RootElement.GetProperty("blocks")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public async Task PlainText_IsPrintedAsTheLoaderSendsIt()
    {
        var path = _h.Write("notes.txt", "line one\r\nline two\r\n");
        var result = await _h.RunAsync("extract", path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("line one\nline two\n", result.Out);
    }

    [Fact]
    public async Task EncryptedPdf_ExitsOne_WithTheCodedLineNamingTheFile()
    {
        var result = await _h.RunAsync("extract", Document("encrypted.pdf"));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith(Document("encrypted.pdf") + ": error GZ3011: encrypted PDF", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task HugeHtml_IsRefusedAtTheSizeLimit_WithoutBeingRead()
    {
        var path = Path.Combine(_h.Root, "huge.html");
        using (var file = File.Create(path))
        {
            file.Write("<html><body><p>"u8);
            file.SetLength(200L * 1024 * 1024);
        }

        var result = await _h.RunAsync("extract", path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("error GZ3001: File too large", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingArgument_IsAUsageError() => Assert.Equal(2, (await _h.RunAsync("extract")).ExitCode);

    [Fact]
    public async Task DryRunWithShowInput_PrintsADocumentsTextAsTheModelWouldReceiveIt_AndSendsNothing()
    {
        File.Copy(Document("pandoc-meadows.docx"), Path.Combine(_h.Docs, "meadows.docx"));

        var result = await _h.RunAsync("batch", _h.Docs, "--pattern", "*.docx", "--prompt", "Summarize", "--dry-run", "--show-input");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("File content from meadows.docx:\n# Field Guide to Alpine Meadows", result.Out, StringComparison.Ordinal);
        Assert.Contains("- Blue trumpet-shaped petals", result.Out, StringComparison.Ordinal);
        Assert.Contains("Dry run: no model was contacted", result.Out, StringComparison.Ordinal);
    }
}

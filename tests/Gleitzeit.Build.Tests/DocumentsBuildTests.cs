using System.Text.Json.Nodes;
using Gleitzeit.Testing;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Gleitzeit.Build.Tests;

/// <summary>A docs project of PDF, Word and HTML files, built with the packed package: their text is sent, a long manual in parts.</summary>
[Collection(PackedFeedCollection.Name)]
public sealed class DocumentsBuildTests(PackedFeed feed) : IAsyncLifetime
{
    private OllamaTestServer _server = null!;
    private ConsumerProject _project = null!;

    public async Task InitializeAsync()
    {
        _server = await OllamaTestServer.StartAsync();
        // The manual's model has a small window; the docs' model a large one.
        _server.SetContextLength("llama3.2:latest", 4096);
        _server.AddModel("llama3.1:latest");
        _project = new ConsumerProject(feed, _server);
        Copy("shared-mime-info-spec.pdf", "docs/spec.pdf");
        Copy("pandoc-meadows.docx", "docs/meadows.docx");
        Copy("libffi-introduction.html", "docs/libffi.html");
        WriteManual(edited: false);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private void Copy(string name, string relative)
    {
        var target = Path.Combine(_project.Directory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "TestData", "Documents", name), target, overwrite: true);
    }

    private void WriteManual(bool edited)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        for (var p = 1; p <= 60; p++)
        {
            var page = builder.AddPage(PageSize.A4);
            for (var l = 0; l < 30; l++)
            {
                var word = edited && p == 31 && l == 7 ? "side" : "main";
                page.AddText($"Page {p} line {l}: the {word} valve regulates flow through the cooling circuit of unit {(p * 100) + l}.", 10, new PdfPoint(50, 790 - (l * 16)), font);
            }
        }

        var path = Path.Combine(_project.Directory, "manuals", "pump.pdf");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, builder.Build());
    }

    [Fact]
    public void DocsProject_SendsEachDocumentsText_SplitsTheLongManual_AndAnEditedPageReSendsOnePartAndTheCombiningCall()
    {
        _project.WriteProject("""
            <GleitzeitBatch Include="docs/**/*.pdf;docs/**/*.docx;docs/**/*.html" Batch="docs" Prompt="Summarize this document." Model="llama3.1:latest" />
            <GleitzeitBatch Include="manuals/*.pdf" Batch="manuals" Prompt="Summarize this manual." LongDocuments="split" />
            """);

        var first = _project.Build();

        Assert.True(first.ExitCode == 0, first.ToString());
        var docs = _server.ChatRequests.Where(r => r.FileName is not null && r.FileName.StartsWith("docs/", StringComparison.Ordinal)).ToDictionary(r => r.FileName!, r => r.UserContent);
        Assert.Contains("Shared MIME-info Database", docs["docs/spec.pdf"], StringComparison.Ordinal);
        Assert.Contains("# Field Guide to Alpine Meadows", docs["docs/meadows.docx"], StringComparison.Ordinal);
        Assert.Contains("What is libffi?", docs["docs/libffi.html"], StringComparison.Ordinal);
        var artifact = JsonNode.Parse(File.ReadAllText(_project.Artifact("docs.json")))!;
        Assert.All(artifact["results"]!.AsArray(), r => Assert.Equal("success", r!["status"]!.GetValue<string>()));
        Assert.Contains("pdfpig/0.1.16+1", artifact["provenance"]!["extractors"]!.AsArray().Select(e => e!.GetValue<string>()));
        var manual = JsonNode.Parse(File.ReadAllText(_project.Artifact("manuals.json")))!["results"]![0]!;
        var parts = manual["parts"]!.GetValue<int>();
        Assert.True(parts > 4, manual.ToJsonString());
        Assert.Equal(parts + 1, _server.ChatRequests.Count(r => r.UserContent.Contains("pump.pdf", StringComparison.Ordinal)));
        _server.ClearLog();

        WriteManual(edited: true);
        var second = _project.Build();

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(2, _server.ChatRequests.Count);
        Assert.Contains("the side valve", _server.ChatRequests[0].UserContent, StringComparison.Ordinal);
        Assert.Contains("Combine them into one answer", _server.ChatRequests[1].UserContent, StringComparison.Ordinal);
        _server.ClearLog();

        var third = _project.Build("-p:GleitzeitVerify=true");

        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Empty(_server.ChatRequests);
    }
}

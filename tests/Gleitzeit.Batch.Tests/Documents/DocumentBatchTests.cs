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

    // The docs folder holds just one long PDF manual of `pages` pages, 30 lines each.
    private void OnlyTheManual(int pages)
    {
        foreach (var file in Directory.GetFiles(_h.Workspace.Docs))
        {
            File.Delete(file);
        }

        _h.Workspace.WriteBytes("manual.pdf", DocumentFiles.ManualPdf(pages, 30, (p, l) => $"Page {p} line {l}: the valve regulates flow through the cooling circuit of unit {(p * 100) + l}."));
    }

    [Fact]
    public async Task ALongManual_IsSplitIntoParts_AndEditingOnePage_ReSendsOnePartAndTheCombiningCall()
    {
        var manual = _h.Workspace.Docs;
        foreach (var file in Directory.GetFiles(manual))
        {
            File.Delete(file);
        }

        static string Line(int page, int line, string word) => $"Page {page} line {line}: the {word} valve regulates flow through the cooling circuit of unit {page * 100 + line}.";
        _h.Workspace.WriteBytes("manual.pdf", DocumentFiles.ManualPdf(60, 30, (p, l) => Line(p, l, "main")));
        _h.Server.SetContextLength("llama3.2:latest", 4096);
        var split = _h.CurrentSettings with { SplitLongDocuments = true };

        var first = await _h.RunAsync(settings: split);

        Assert.True(first.AllSucceeded, string.Join("; ", first.Record.Results.Values.Select(r => r.Error)));
        var result = first.Record.Results["manual.pdf"];
        Assert.InRange(result.Parts!.Value, 8, 40);
        var calls = _h.Server.ChatRequests.Count;
        Assert.Equal(result.Parts.Value + 1, calls);
        Assert.Equal(calls, result.PartsSent);
        Assert.All(_h.Server.ChatRequests, r => Assert.True(r.Messages.Sum(m => m.Content.Length) / 4 < 4096 - 512, "a part overflows the window"));
        var combining = _h.Server.ChatRequests.Last();
        Assert.Contains("Combine them into one answer", combining.UserContent, StringComparison.Ordinal);
        Assert.Equal(Gleitzeit.Testing.OllamaTestServer.ReplyFor(combining.UserContent), result.Result);
        var exported = Gleitzeit.Batch.Export.ExportDocument.FromRecord(first.Record);
        Assert.EndsWith($",{result.Parts}\n", Export(exported, Gleitzeit.Batch.Export.CsvExporter.Write), StringComparison.Ordinal);
        Assert.StartsWith("file,status,result,processing_time,error,parts\n", Export(exported, Gleitzeit.Batch.Export.CsvExporter.Write), StringComparison.Ordinal);
        Assert.Contains($"### ✅ manual.pdf\n*Answered in {result.Parts} parts, then combined.*\n", Export(exported, Gleitzeit.Batch.Export.MarkdownExporter.Write), StringComparison.Ordinal);
        var summary = Gleitzeit.Batch.Execution.JobSummary.Render("docs", [Gleitzeit.Batch.Execution.BatchReport.Of("manuals", first)]);
        Assert.Contains($"- `manual.pdf` (manuals): {result.Parts} parts, {calls} calls\n", summary, StringComparison.Ordinal);
        _h.Server.ClearLog();

        _h.Workspace.WriteBytes("manual.pdf", DocumentFiles.ManualPdf(60, 30, (p, l) => Line(p, l, p == 31 && l == 7 ? "side" : "main")));
        var count = DocumentExtractors.CountExtractions();
        var edited = await _h.RunAsync(settings: split);

        Assert.True(edited.AllSucceeded);
        Assert.Equal(2, _h.Server.ChatRequests.Count);
        Assert.Contains("the side valve", _h.Server.ChatRequests[0].UserContent, StringComparison.Ordinal);
        Assert.Equal(2, edited.Record.Results["manual.pdf"].PartsSent);
        Assert.Equal(1, count.Value);
        _h.Server.ClearLog();

        var unchanged = DocumentExtractors.CountExtractions();
        var again = await _h.RunAsync(settings: split);

        Assert.Equal(1, again.Record.Cached);
        Assert.Empty(_h.Server.ChatRequests);
        Assert.Equal(0, unchanged.Value);
    }

    [Fact]
    public async Task ALongManual_ToAnOpenAiServerThatRefusesItAsTooLong_IsSplitToTheWindowItNames_AndASecondRunSendsNothing()
    {
        OnlyTheManual(30);
        await using var server = await Gleitzeit.Testing.OpenAiTestServer.StartAsync();
        server.ContextLength = 4096;
        var settings = _h.Workspace.Settings(_h.Server.Endpoint) with
        {
            Provider = "openai",
            Endpoint = server.Endpoint + "/v1",
            Model = "gpt-4o-mini",
            SplitLongDocuments = true,
            Environment = name => name == "OPENAI_API_KEY" ? "sk-test" : null,
        };

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), settings);

        var result = outcome.Record.Results["manual.pdf"];
        Assert.True(outcome.AllSucceeded, result.Error);
        Assert.InRange(result.Parts!.Value, 3, 30);
        var chats = server.ChatRequests;
        Assert.Equal(400, chats[0].StatusCode);
        Assert.Equal(result.Parts.Value + 2, chats.Count);
        Assert.All(chats.Skip(1), c => Assert.Equal(200, c.StatusCode));

        var again = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), settings);

        Assert.Equal(1, again.Record.Cached);
        Assert.Equal(chats.Count, server.ChatRequests.Count);
    }

    [Fact]
    public async Task ALongManual_ToAServerWhoseTokenizerCountsDenser_IsSentInSmallerParts_AndNoAnswerToACutPartIsKept()
    {
        OnlyTheManual(20);
        _h.Server.SetContextLength("llama3.2:latest", 4096);
        _h.Server.CharactersPerToken = 2;
        var split = _h.CurrentSettings with { SplitLongDocuments = true };

        var outcome = await _h.RunAsync(settings: split);

        var result = outcome.Record.Results["manual.pdf"];
        Assert.True(outcome.AllSucceeded, result.Error);
        var requests = _h.Server.ChatRequests;
        bool Cut(Gleitzeit.Testing.LoggedRequest r) => _h.Server.TokensOf(string.Concat(r.Messages.Select(m => m.Content))) > 4096;
        Assert.Contains(requests, Cut);
        var combining = requests.Last();
        Assert.False(Cut(combining));
        var keptAnswers = System.Text.RegularExpressions.Regex.Matches(combining.UserContent, "Reply [0-9a-f]{8}").Select(m => m.Value).ToList();
        Assert.Equal(result.Parts!.Value, keptAnswers.Count);
        Assert.All(keptAnswers, answer => Assert.False(Cut(requests.First(r => Gleitzeit.Testing.OllamaTestServer.ReplyFor(r.UserContent).StartsWith(answer, StringComparison.Ordinal))), "an answer to a cut part was kept"));
        _h.Server.ClearLog();

        var again = await _h.RunAsync(settings: split);

        Assert.Equal(1, again.Record.Cached);
        Assert.Empty(_h.Server.ChatRequests);
    }

    [Fact]
    public async Task ALongManual_WhosePartsAServerCutsEvenAtTheSmallestSize_FailsAsTooLong_NamingWhatToSet_AndIsNotCachedAsAnAnswer()
    {
        OnlyTheManual(10);
        _h.Server.SetContextLength("llama3.2:latest", 1024);
        _h.Server.CharactersPerToken = 1;
        var split = _h.CurrentSettings with { SplitLongDocuments = true };

        var outcome = await _h.RunAsync(settings: split);

        var result = outcome.Record.Results["manual.pdf"];
        Assert.Equal(DiagnosticCodes.PromptTooLong, result.ErrorCode);
        Assert.Contains("manual.pdf", result.Error, StringComparison.Ordinal);
        Assert.Contains("context_length", result.Error, StringComparison.Ordinal);
        Assert.NotEqual(ItemResult.Success, result.Status);
        _h.Server.ClearLog();

        var again = await _h.RunAsync(settings: split);

        Assert.Equal(0, again.Record.Cached);
        Assert.Equal(DiagnosticCodes.PromptTooLong, again.Record.Results["manual.pdf"].ErrorCode);
    }

    private static string Export(Gleitzeit.Batch.Export.ExportDocument document, Action<Gleitzeit.Batch.Export.ExportDocument, Stream> write)
    {
        using var stream = new MemoryStream();
        write(document, stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task ALongManual_WithoutSplit_FailsUnsentAsTooLong()
    {
        _h.Workspace.WriteBytes("manual.pdf", DocumentFiles.ManualPdf(30, 30, (p, l) => $"Page {p} line {l}: the valve regulates flow."));
        _h.Server.SetContextLength("llama3.2:latest", 4096);

        var outcome = await _h.RunAsync();

        Assert.Equal(DiagnosticCodes.PromptTooLong, outcome.Record.Results["manual.pdf"].ErrorCode);
        Assert.DoesNotContain(_h.Server.ChatRequests, r => r.FileName == "manual.pdf");
    }

    [Fact]
    public async Task ALongManual_ToAServerThatRefusesChats_CostsOnePart_NotOneCallPerPart()
    {
        OnlyTheManual(40);
        _h.Server.SetContextLength("llama3.2:latest", 4096);
        _h.Server.InjectFault(Gleitzeit.Testing.ServerFault.ModelNotFound, times: 1000);

        var outcome = await _h.RunAsync(settings: _h.CurrentSettings with { SplitLongDocuments = true, MaxConcurrent = 16 });

        Assert.Equal(DiagnosticCodes.ModelNotFound, outcome.Record.ErrorCode);
        Assert.Single(_h.Server.ChatRequests);
    }
}

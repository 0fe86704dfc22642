using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Contract;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Tests.Execution;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Providers;

/// <summary>
/// Only an answer the server finished counts: cut at the token limit, filtered, empty or a tool call, the item fails with
/// its own code after one request (the same request would end the same way), nothing is cached, and the next run sends
/// it again. Against both protocols' test servers over real HTTP.
/// </summary>
public sealed class IncompleteAnswerTests : IAsyncLifetime
{
    private const string Key = "sk-test-key-for-the-test-server";
    private BatchHarness _h = null!;
    private OpenAiTestServer _openAi = null!;

    public async Task InitializeAsync()
    {
        _h = await BatchHarness.StartAsync();
        _openAi = await OpenAiTestServer.StartAsync();
        _openAi.RequiredKey = Key;
        _h.Workspace.Write("cut.txt", "Alpha");
        _h.Workspace.Write("filtered.txt", "Beta");
        _h.Workspace.Write("empty.txt", "Gamma");
        _h.Workspace.Write("tool.txt", "Delta");
    }

    public async Task DisposeAsync()
    {
        await _openAi.DisposeAsync();
        await _h.DisposeAsync();
    }

    private BatchSettings OpenAi() => _h.Workspace.Settings(_h.Server.Endpoint) with
    {
        Provider = "openai",
        Endpoint = _openAi.Endpoint + "/v1",
        Model = "gpt-4o-mini",
        Environment = name => name == "OPENAI_API_KEY" ? Key : null,
    };

    [Fact]
    public async Task OpenAi_CutFilteredEmptyAndToolCallAnswers_FailWithTheirCodes_OnceEach_AndAreNeverCached()
    {
        _openAi.Endings = user =>
            user.Contains("Alpha", StringComparison.Ordinal) ? ("Alpha is the first", "length")
            : user.Contains("Beta", StringComparison.Ordinal) ? (string.Empty, "content_filter")
            : user.Contains("Gamma", StringComparison.Ordinal) ? (string.Empty, "stop")
            : (string.Empty, "tool_calls");

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi());

        var results = outcome.Record.Results;
        Assert.Equal(DiagnosticCodes.AnswerCut, results["cut.txt"].ErrorCode);
        Assert.Contains("cut short at", results["cut.txt"].Error, StringComparison.Ordinal);
        Assert.Contains("raise max_tokens", results["cut.txt"].Error, StringComparison.Ordinal);
        Assert.Equal(DiagnosticCodes.AnswerFiltered, results["filtered.txt"].ErrorCode);
        Assert.Equal(DiagnosticCodes.AnswerEmpty, results["empty.txt"].ErrorCode);
        Assert.Equal(DiagnosticCodes.AnswerEmpty, results["tool.txt"].ErrorCode);
        Assert.All(results.Values, r => Assert.Null(r.Result));
        Assert.Equal(4, _openAi.ChatRequests.Count);

        _openAi.Endings = null;
        var again = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi());

        Assert.True(again.AllSucceeded);
        Assert.Equal(8, _openAi.ChatRequests.Count);
    }

    [Fact]
    public async Task Ollama_ALengthDoneReasonOrAnEmptyMessage_FailsOnce_AndIsNeverCached()
    {
        _h.Server.Replies = user => user.Contains("Alpha", StringComparison.Ordinal) ? "Alpha is the first" : user.Contains("Beta", StringComparison.Ordinal) || user.Contains("Gamma", StringComparison.Ordinal) ? string.Empty : null;
        _h.Server.DoneReasons = user => user.Contains("Alpha", StringComparison.Ordinal) ? "length" : user.Contains("Gamma", StringComparison.Ordinal) ? "load" : null;

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template()), _h.Workspace.Settings(_h.Server.Endpoint));

        var results = outcome.Record.Results;
        Assert.Equal(DiagnosticCodes.AnswerCut, results["cut.txt"].ErrorCode);
        Assert.Contains("raise num_predict", results["cut.txt"].Error, StringComparison.Ordinal);
        Assert.Equal(DiagnosticCodes.AnswerEmpty, results["filtered.txt"].ErrorCode);
        Assert.Equal(DiagnosticCodes.AnswerEmpty, results["empty.txt"].ErrorCode);
        Assert.Equal("success", results["tool.txt"].Status);
        Assert.Equal(4, _h.Server.ChatRequests.Count);

        _h.Server.Replies = null;
        _h.Server.DoneReasons = null;
        var again = await _h.RunAsync(_h.Plan(BatchHarness.Template()), _h.Workspace.Settings(_h.Server.Endpoint));

        Assert.True(again.AllSucceeded);
        Assert.Equal(7, _h.Server.ChatRequests.Count);
    }

    [Theory]
    [InlineData("eos_token")]
    [InlineData("end_turn")]
    [InlineData("")]
    [InlineData("stop_sequence")]
    public async Task OpenAi_AStopLikeFinishReasonTheLibraryDoesNotKnow_IsAnAnswer_BoughtOnce(string reason)
    {
        _openAi.Endings = user => (OpenAiTestServer.ReplyFor(user), reason);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi());

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)));
        Assert.Equal(4, _openAi.ChatRequests.Count);
        Assert.All(outcome.Record.Results.Values, r => Assert.StartsWith("Reply ", r.Result, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenAi_FinishReasonsAreReadByMeaning_LengthLikeIsCut_AndAbortedIsTheServersFailure()
    {
        _openAi.Endings = user =>
            user.Contains("Alpha", StringComparison.Ordinal) ? ("Alpha is", "model_length")
            : user.Contains("Beta", StringComparison.Ordinal) ? ("Beta", "abort")
            : user.Contains("Gamma", StringComparison.Ordinal) ? ("Gamma", "insufficient_system_resource")
            : (OpenAiTestServer.ReplyFor(user), "stop");

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi() with { RetryAttempts = 0 });

        var results = outcome.Record.Results;
        Assert.Equal(DiagnosticCodes.AnswerCut, results["cut.txt"].ErrorCode);
        Assert.Equal(DiagnosticCodes.ServerError, results["filtered.txt"].ErrorCode);
        Assert.Contains("the server gave up on the answer (finish_reason: abort)", results["filtered.txt"].Error, StringComparison.Ordinal);
        Assert.Contains("finish_reason: insufficient_system_resource", results["empty.txt"].Error, StringComparison.Ordinal);
        Assert.Equal("success", results["tool.txt"].Status);
    }

    [Fact]
    public async Task OpenAi_AnErrorEventMidStream_KeepsTheServersOwnText()
    {
        _openAi.InjectFault(ServerFault.ErrorMidStream, times: 10, match: "Alpha");

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi() with { RetryAttempts = 0 });

        Assert.Contains("an error was encountered while running the model: unexpected EOF", outcome.Record.Results["cut.txt"].Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ollama")]
    [InlineData("openai")]
    public async Task AnErrorAfterAFinishedAnswer_KeepsTheAnswer_AndIsReportedAsAWarningOnTheItem(string protocol)
    {
        if (protocol == "ollama")
        {
            _h.Server.InjectFault(ServerFault.ErrorAfterFinish, times: 1, match: "Alpha");
        }
        else
        {
            _openAi.InjectFault(ServerFault.ErrorAfterFinish, times: 1, match: "Alpha");
        }

        var settings = protocol == "ollama" ? _h.Workspace.Settings(_h.Server.Endpoint) : OpenAi();
        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: protocol == "ollama" ? "llama3.2:latest" : "gpt-4o-mini")), settings);

        var cut = outcome.Record.Results["cut.txt"];
        Assert.Equal("success", cut.Status);
        Assert.False(string.IsNullOrEmpty(cut.Result));
        var warning = Assert.Single(_h.Events, e => e.Kind == BatchEventKind.Warning && (e.Message ?? string.Empty).Contains(OllamaTestServer.AfterFinishError, StringComparison.Ordinal));
        Assert.StartsWith("cut.txt: ", warning.Message, StringComparison.Ordinal);
        Assert.Equal(DiagnosticCodes.ServerError, warning.Code);
        Assert.Equal(4, protocol == "ollama" ? _h.Server.ChatRequests.Count : _openAi.ChatRequests.Count);
    }

    [Fact]
    public async Task AReasoningModelsThinking_StaysOutOfTheAnswer_IsKeptInTheRecord_AndThinkingAloneIsNoAnswer()
    {
        _h.Server.Replies = user =>
            user.Contains("Alpha", StringComparison.Ordinal) ? "<think>\nThe user wants a summary. Apples.\n</think>\n\nApples are red."
            : user.Contains("Beta", StringComparison.Ordinal) ? "<think>\nLet me think about bananas for a long"
            : user.Contains("Gamma", StringComparison.Ordinal) ? "<think>\n\n</think>\n\nGrapes."
            : null;

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template()), _h.Workspace.Settings(_h.Server.Endpoint));

        var results = outcome.Record.Results;
        Assert.Equal("Apples are red.", results["cut.txt"].Result);
        Assert.Equal("The user wants a summary. Apples.", results["cut.txt"].Reasoning);
        Assert.Equal(DiagnosticCodes.AnswerEmpty, results["filtered.txt"].ErrorCode);
        Assert.Contains("only reasoned", results["filtered.txt"].Error, StringComparison.Ordinal);
        Assert.Equal("Grapes.", results["empty.txt"].Result);
        Assert.Null(results["empty.txt"].Reasoning);
        var artifact = System.Text.Encoding.UTF8.GetString(Gleitzeit.Batch.Export.ExportFormats.ToBytes(
            Gleitzeit.Batch.Export.ExportFormat.Json,
            Gleitzeit.Batch.Export.ExportDocument.ForArtifact("docs", new System.Text.Json.Nodes.JsonObject(), results.Values)));
        Assert.DoesNotContain("The user wants", artifact, StringComparison.Ordinal);
        Assert.DoesNotContain("<think>", artifact, StringComparison.Ordinal);

        _h.Server.Replies = null;
        var again = await _h.RunAsync(_h.Plan(BatchHarness.Template()), _h.Workspace.Settings(_h.Server.Endpoint));
        Assert.Equal("Apples are red.", again.Record.Results["cut.txt"].Result);
    }

    [Fact]
    public async Task OpenAi_ThinkBlocksAreSplitOffTheAnswerToo()
    {
        _openAi.Endings = user => ("<think>Plan the answer.</think>The answer is " + (user.Contains("Alpha", StringComparison.Ordinal) ? "alpha." : "other."), "stop");

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi());

        Assert.Equal("The answer is alpha.", outcome.Record.Results["cut.txt"].Result);
        Assert.Equal("Plan the answer.", outcome.Record.Results["cut.txt"].Reasoning);
    }

    private static string Event(string content, string? finish) =>
        "data: " + new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = "c1",
            ["object"] = "chat.completion.chunk",
            ["created"] = 1,
            ["model"] = "gpt-4o-mini",
            ["choices"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
            {
                ["index"] = 0,
                ["delta"] = new System.Text.Json.Nodes.JsonObject { ["content"] = content },
                ["finish_reason"] = finish,
            }),
        }.ToJsonString();

    [Fact]
    public async Task OpenAi_ANamedErrorEventMidStream_KeepsTheServersOwnText()
    {
        _openAi.RawReplies = _ => ("text/event-stream", [Event("half an ", null) + "\n\n", "event: error\ndata: {\"message\":\"upstream overloaded ZZZ\"}\n\n"]);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi() with { RetryAttempts = 0 });

        Assert.All(outcome.Record.Results.Values, r => Assert.Contains("upstream overloaded ZZZ", r.Error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenAi_AnErrorEventWhoseNameAndDataArriveInReadsOfTheirOwn_KeepsTheServersOwnText()
    {
        _openAi.RawPiecePause = TimeSpan.FromMilliseconds(100);
        _openAi.RawReplies = _ => ("text/event-stream", [Event("half an ", null) + "\n\n", "event: error\n", "data: {\"message\":\"upstream overloaded ZZZ\"}\n\n"]);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi() with { RetryAttempts = 0 });

        Assert.All(outcome.Record.Results.Values, r => Assert.Contains("upstream overloaded ZZZ", r.Error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenAi_AFinishReasonOutsideTheChoices_IsNoFinish_SoALaterErrorEventIsTheCallsError()
    {
        const string Outside = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[],\"finish_reason\":\"stop\"}\n\n";
        _openAi.RawReplies = _ => ("text/event-stream", [Event("half ", null) + "\n\n" + Outside + "data: {\"error\":{\"message\":\"boom ZZZ\"}}\n\n"]);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi() with { RetryAttempts = 0 });

        Assert.All(outcome.Record.Results.Values, r => Assert.Contains("boom ZZZ", r.Error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenAi_BytesThatAreNotUtf8_InAnAnswerOrItsFinishChunk_ReachTheAnswerAsReplacementCharacters()
    {
        // Latin-1 on the wire: "Ã" is a lone 0xC3, the start of a UTF-8 character that never comes.
        _openAi.RawPieceEncoding = System.Text.Encoding.Latin1;
        var stream = Event("caf@ ", null) + "\n\n" + Event("ok@", "stop") + "\n\ndata: [DONE]\n\n";
        _openAi.RawReplies = _ => ("text/event-stream", [stream.Replace("@", "\u00C3", StringComparison.Ordinal)]);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi() with { RetryAttempts = 0 });

        Assert.All(outcome.Record.Results.Values, r => Assert.Equal("caf\uFFFD ok\uFFFD", r.Result));
    }

    [Theory]
    [InlineData("STOP", "text/event-stream", "\n", null)]
    [InlineData(" stop", "text/event-stream", "\n", null)]
    [InlineData("Length", "text/event-stream", "\n", DiagnosticCodes.AnswerCut)]
    [InlineData("eos_token", "text/plain", "\n", null)]
    [InlineData("eos_token", "application/json", "\r\n", null)]
    [InlineData("eos_token", "text/event-stream", "\r", null)]
    public async Task OpenAi_FinishReasonsInAnySpelling_Framing_OrContentType_AreReadByMeaning(string reason, string contentType, string newline, string? code)
    {
        _openAi.RawReplies = _ => (contentType, [Event("Über 😀 ", null) + newline + newline, Event("done", reason) + newline + newline, "data: [DONE]" + newline + newline]);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi() with { RetryAttempts = 0 });

        var result = outcome.Record.Results["cut.txt"];
        Assert.Equal(code, result.ErrorCode);
        if (code is null)
        {
            Assert.Equal("Über 😀 done", result.Result);
        }

        Assert.Equal(4, _openAi.ChatRequests.Count);
    }

    [Fact]
    public async Task OpenAi_ANonStringFinishReason_FailsOnce_AndAServerThatIgnoresStreaming_StillGivesItsAnswer()
    {
        _openAi.RawReplies = user => user.Contains("Alpha", StringComparison.Ordinal)
            ? ("text/event-stream", [Event("half", null) + "\n\n" + Event(string.Empty, null).Replace("\"finish_reason\":null", "\"finish_reason\":7", StringComparison.Ordinal) + "\n\ndata: [DONE]\n\n"])
            : ("application/json", ["{\"id\":\"c2\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Whole answer.\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}"]);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi());

        Assert.Equal(DiagnosticCodes.RequestRejected, outcome.Record.Results["cut.txt"].ErrorCode);
        Assert.Contains("finish_reason 7", outcome.Record.Results["cut.txt"].Error, StringComparison.Ordinal);
        Assert.Equal("Whole answer.", outcome.Record.Results["filtered.txt"].Result);
        Assert.Equal(2, outcome.Record.Results["filtered.txt"].Tokens!.Completion);
        Assert.Equal(4, _openAi.ChatRequests.Count);
    }

    [Fact]
    public async Task EmptyAnswersAccepted_AndReasoningKept_WhenTheSettingsSaySo_UnderKeysOfTheirOwn()
    {
        _h.Server.Replies = user => user.Contains("Alpha", StringComparison.Ordinal) ? "<think>Apples.</think>Red." : user.Contains("Beta", StringComparison.Ordinal) ? string.Empty : null;
        var settings = _h.Workspace.Settings(_h.Server.Endpoint) with { AcceptEmptyAnswers = true, KeepReasoning = true };

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template()), settings);

        Assert.Equal("<think>\nApples.\n</think>\n\nRed.", outcome.Record.Results["cut.txt"].Result);
        Assert.Equal("success", outcome.Record.Results["filtered.txt"].Status);
        Assert.Equal(string.Empty, outcome.Record.Results["filtered.txt"].Result);

        // With the defaults again, the answers kept under those settings are not served: their keys differ.
        var defaults = await _h.RunAsync(_h.Plan(BatchHarness.Template()), _h.Workspace.Settings(_h.Server.Endpoint));

        Assert.Equal("Red.", defaults.Record.Results["cut.txt"].Result);
        Assert.Equal(DiagnosticCodes.AnswerEmpty, defaults.Record.Results["filtered.txt"].ErrorCode);
        Assert.Equal(8, _h.Server.ChatRequests.Count);
    }
}

using System.Text;
using Gleitzeit.Batch.Results;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Execution;

/// <summary>A prompt longer than the context window is never cut silently: the window is raised, or the item fails before it is sent.</summary>
public sealed class ContextWindowTests : IAsyncLifetime
{
    private BatchHarness _h = null!;

    public async Task InitializeAsync() => _h = await BatchHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static string Document(int characters)
    {
        var text = new StringBuilder();
        for (var i = 0; text.Length < characters; i++)
        {
            text.Append("Sentence ").Append(i).Append(" of a long report about caches and builds.\n");
        }

        return text.ToString(0, characters);
    }

    [Fact]
    public async Task LongDocument_IsSentWithALargerWindow_AndAnsweredWhole()
    {
        _h.Workspace.Write("long.md", Document(60_000));

        var outcome = await _h.RunAsync();

        var request = Assert.Single(_h.Server.ChatRequests);
        var window = request.Options!["num_ctx"]!.GetValue<int>();
        Assert.True(window >= _h.Server.TokensOf(request.UserContent), $"window {window}");
        Assert.True((window & (window - 1)) == 0, "windows are powers of two, so the server reloads the model once per size");
        Assert.Equal(OllamaTestServer.ReplyFor(request.UserContent), outcome.Record.Results["long.md"].Result);
    }

    [Fact]
    public async Task ShortDocument_IsSentWithoutAWindow()
    {
        _h.Workspace.Write("short.md", "A short note.");

        await _h.RunAsync();

        Assert.Null(Assert.Single(_h.Server.ChatRequests).Options?["num_ctx"]);
    }

    [Fact]
    public async Task DocumentLongerThanTheModelTakes_FailsWithoutBeingSent_NamingTokensAndLimit()
    {
        _h.Server.SetContextLength("llama3.2:latest", 8192);
        _h.Workspace.Write("huge.md", Document(60_000));
        _h.Workspace.Write("small.md", "A short note.");

        var outcome = await _h.RunAsync();

        var huge = outcome.Record.Results["huge.md"];
        Assert.Equal(ItemResult.Failed, huge.Status);
        Assert.Equal(DiagnosticCodes.PromptTooLong, huge.ErrorCode);
        Assert.Contains("huge.md", huge.Error, StringComparison.Ordinal);
        Assert.Contains("8192", huge.Error, StringComparison.Ordinal);
        Assert.Matches(@"about \d+ tokens", huge.Error);
        Assert.Equal(["small.md"], _h.Server.ChatRequests.Select(c => c.FileName));
    }

    [Fact]
    public async Task DenserTokensThanEstimated_TheCutIsNoticed_AndTheItemIsSentAgainWithALargerWindow()
    {
        _h.Server.CharactersPerToken = 1;
        _h.Workspace.Write("dense.md", Document(3_000));

        var outcome = await _h.RunAsync();

        Assert.Equal(2, _h.Server.ChatRequests.Count);
        Assert.Null(_h.Server.ChatRequests[0].Options?["num_ctx"]);
        Assert.Equal(4096, _h.Server.ChatRequests[1].Options!["num_ctx"]!.GetValue<int>());
        Assert.Equal(OllamaTestServer.ReplyFor(_h.Server.ChatRequests[1].UserContent), outcome.Record.Results["dense.md"].Result);
        _h.Server.ClearLog();

        var again = await _h.RunAsync();

        Assert.Empty(_h.Server.ChatRequests);
        Assert.True(again.Record.Results["dense.md"].Cached);
    }

    [Fact]
    public async Task CutPromptThatNoLargerWindowCanHold_Fails_AndItsCutAnswerIsNotKept()
    {
        _h.Server.CharactersPerToken = 1;
        _h.Server.SetContextLength("llama3.2:latest", 2048);
        _h.Workspace.Write("dense.md", Document(3_000));

        var outcome = await _h.RunAsync();

        var dense = outcome.Record.Results["dense.md"];
        Assert.Equal(DiagnosticCodes.PromptTooLong, dense.ErrorCode);
        Assert.Contains("cut", dense.Error, StringComparison.Ordinal);
        Assert.Null(dense.Result);
        Assert.Single(_h.Server.ChatRequests);
    }

    [Fact]
    public async Task CutPrompt_OfAModelTrainedForLessThanTheServersDefaultWindow_IsNoticed_AndItsCutAnswerIsNotKept()
    {
        // The server runs such a model at its own length, so the cut shows at 1024 tokens, not at the 2048 default.
        _h.Server.CharactersPerToken = 1;
        _h.Server.SetContextLength("llama3.2:latest", 1024);
        _h.Workspace.Write("dense.md", Document(1_500));

        var outcome = await _h.RunAsync();

        var dense = outcome.Record.Results["dense.md"];
        Assert.Equal(DiagnosticCodes.PromptTooLong, dense.ErrorCode);
        Assert.Contains("1024-token window", dense.Error, StringComparison.Ordinal);
        Assert.Null(dense.Result);
    }

    [Fact]
    public async Task FixedContextLength_IsSentWithEveryItem_AndALongerPromptFails()
    {
        _h.Workspace.Write("short.md", "A short note.");
        _h.Workspace.Write("long.md", Document(60_000));

        var outcome = await _h.RunAsync(settings: _h.CurrentSettings with { ContextLength = 8192 });

        Assert.Equal(8192, Assert.Single(_h.Server.ChatRequests).Options!["num_ctx"]!.GetValue<int>());
        Assert.Equal(DiagnosticCodes.PromptTooLong, outcome.Record.Results["long.md"].ErrorCode);
    }
}

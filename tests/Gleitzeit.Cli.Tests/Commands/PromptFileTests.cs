namespace Gleitzeit.Cli.Tests.Commands;

/// <summary><c>--prompt-file PATH</c>: the file's text is the prompt, keyed as the same text given with <c>--prompt</c>.</summary>
public sealed class PromptFileTests : IAsyncLifetime
{
    private CliHarness _h = null!;

    public async Task InitializeAsync() => _h = await CliHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task PromptFile_IsThePrompt_WithoutBom_WithLfLineEnds()
    {
        _h.ThreeDocs();
        File.WriteAllBytes(Path.Combine(_h.Root, "prompt.txt"), [0xEF, 0xBB, 0xBF, .. "Summarize.\r\nBe brief, «please».\r\n"u8]);

        var result = await _h.RunAsync("batch", "docs", "--prompt-file", "prompt.txt");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Summarize.\nBe brief, «please».\n\nFile content from meeting_notes.txt:\nMeeting notes: ship on Friday.", _h.Server.ChatRequests.Single(c => c.FileName == "meeting_notes.txt").UserContent);
    }

    [Fact]
    public async Task EditingThePromptFile_ReKeys_MovingItDoesNot()
    {
        _h.ThreeDocs();
        var prompt = _h.Write("prompt.txt", "Summarize in one line.\n", _h.Root);
        await _h.RunAsync("batch", "docs", "--prompt-file", prompt);
        _h.Server.ClearLog();

        Directory.CreateDirectory(Path.Combine(_h.Root, "prompts"));
        File.Move(prompt, Path.Combine(_h.Root, "prompts", "moved.txt"));
        var moved = await _h.RunAsync("batch", "docs", "--prompt-file", "prompts/moved.txt");
        var asText = await _h.RunAsync("batch", "docs", "--prompt", "Summarize in one line.");

        Assert.Contains("3 ok (3 from cache, 0 sent)", moved.Out, StringComparison.Ordinal);
        Assert.Contains("3 ok (3 from cache, 0 sent)", asText.Out, StringComparison.Ordinal);
        Assert.Empty(_h.Server.ChatRequests);

        File.WriteAllText(Path.Combine(_h.Root, "prompts", "moved.txt"), "Summarize in two lines.\n");
        var edited = await _h.RunAsync("batch", "docs", "--prompt-file", "prompts/moved.txt");

        Assert.Contains("3 ok (0 from cache, 3 sent)", edited.Out, StringComparison.Ordinal);
        Assert.All(_h.Server.ChatRequests, c => Assert.StartsWith("Summarize in two lines.\n\n", c.UserContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMissingPromptFile_IsAnErrorNamingIt_BeforeAnyCall()
    {
        _h.ThreeDocs();

        var result = await _h.RunAsync("batch", "docs", "--prompt-file", "nowhere/prompt.txt");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error GZ3004: prompt file {Path.Combine(_h.Root, "nowhere", "prompt.txt")} does not exist", result.Error, StringComparison.Ordinal);
        Assert.Empty(_h.Server.Requests);
    }

    [Fact]
    public async Task PromptAndPromptFile_Together_AreAnError()
    {
        _h.ThreeDocs();
        _h.Write("prompt.txt", "Summarize.", _h.Root);

        var result = await _h.RunAsync("batch", "docs", "--prompt", "Summarize.", "--prompt-file", "prompt.txt");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error GZ1002: --prompt and --prompt-file both give the prompt: give one of them", result.Error, StringComparison.Ordinal);
        Assert.Empty(_h.Server.Requests);
    }

    [Fact]
    public async Task Generate_TakesThePromptFile()
    {
        _h.ThreeDocs();
        _h.Write("prompt.txt", "List the key points.\n", _h.Root);

        var result = await _h.RunAsync("generate", "batch", "docs", "--prompt-file", "prompt.txt");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("List the key points.", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Analyze this file", result.Out, StringComparison.Ordinal);
    }
}

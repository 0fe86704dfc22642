using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>Item metadata <c>PromptFile</c>: relative to the project file, an input of the target, keyed through its text.</summary>
[Collection(PackedFeedCollection.Name)]
public sealed class PromptFileBuildTests(PackedFeed feed) : IAsyncLifetime
{
    private const string Items = """<GleitzeitBatch Include="docs/**/*.md" Batch="doc-summaries" PromptFile="prompts/summary.txt" />""";
    private OllamaTestServer _server = null!;
    private ConsumerProject _project = null!;

    public async Task InitializeAsync()
    {
        _server = await OllamaTestServer.StartAsync();
        _project = new ConsumerProject(feed, _server);
        _project.WriteProject(Items);
        _project.Write("docs/alpha.md", "# Alpha\nApples are red.\n");
        _project.Write("docs/beta.md", "# Beta\nBananas are yellow.\n");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void PromptFile_IsThePrompt_EditingItRebuildsAndResends_AnUnchangedBuildIsUpToDate()
    {
        _project.Write("prompts/summary.txt", "Summarize this document\r\nin two sentences.\r\n");

        var first = _project.Build();

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal("Summarize this document\nin two sentences.\n\nFile content from docs/alpha.md:\n# Alpha\nApples are red.\n", _server.ChatRequests.Single(c => c.FileName == "docs/alpha.md").UserContent);
        _server.ClearLog();

        var unchanged = _project.Build();

        Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
        Assert.Empty(_server.Requests);
        Assert.Contains("Skipping target \"GleitzeitRun\" because all output files are up-to-date", unchanged.Output, StringComparison.Ordinal);

        _project.Write("prompts/summary.txt", "List the key points.\n");
        var edited = _project.Build();

        Assert.True(edited.ExitCode == 0, edited.ToString());
        Assert.Equal(2, _server.ChatRequests.Count);
        Assert.All(_server.ChatRequests, c => Assert.StartsWith("List the key points.\n\nFile content from docs/", c.UserContent, StringComparison.Ordinal));
    }

    [Fact]
    public void AMissingPromptFile_FailsTheBuildNamingIt_BeforeAnyCall()
    {
        var result = _project.Build();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error GZ3004: prompt file " + Path.Combine(_project.Directory, "prompts", "summary.txt") + " does not exist", result.Output, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public void PromptAndPromptFile_OnOneItem_FailTheBuild()
    {
        _project.Write("prompts/summary.txt", "Summarize.\n");
        _project.WriteProject(Items.Replace("/>", "Prompt=\"Summarize.\" />", StringComparison.Ordinal));

        var result = _project.Build();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error GZ1002: GleitzeitBatch item has both Prompt and PromptFile", result.Output, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }
}

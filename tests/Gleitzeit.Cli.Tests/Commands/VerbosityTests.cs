namespace Gleitzeit.Cli.Tests.Commands;

/// <summary><c>-q/--quiet</c> and <c>-v/--verbosity</c>, spelt as dotnet's own commands spell them.</summary>
public sealed class VerbosityTests : IAsyncLifetime
{
    private CliHarness _h = null!;

    public async Task InitializeAsync() => _h = await CliHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Theory]
    [InlineData("-q")]
    [InlineData("--quiet")]
    [InlineData("-v", "q")]
    [InlineData("--verbosity", "quiet")]
    public async Task Quiet_PrintsOnlyTheFinalResult(params string[] flag)
    {
        _h.ThreeDocs();

        var result = await _h.RunAsync(["batch", "docs", .. flag]);

        Assert.Equal(0, result.ExitCode);
        var line = Assert.Single(result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^Batch batch_\S+: 3 files, 3 ok \(0 from cache, 3 sent\), 0 failed, 0 skipped in ", line);
        Assert.Equal(string.Empty, result.Error);
    }

    [Fact]
    public async Task Quiet_StillPrintsErrors_AndTheFailedItems()
    {
        _h.ThreeDocs();
        _h.Server.InjectFault(Gleitzeit.Testing.ServerFault.BadRequest, times: 5, match: "compiler");

        var result = await _h.RunAsync("batch", "docs", "-q");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(2, result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("failed  sample_story.txt:", result.Out, StringComparison.Ordinal);
        Assert.Contains("gleitzeit batch-resume", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Minimal_HasNoTitleAndNoLinePerItem()
    {
        _h.ThreeDocs();

        var result = await _h.RunAsync("batch", "docs", "-v", "m");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("Batch Processing:", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("] ok ", result.Out, StringComparison.Ordinal);
        Assert.Contains("Results saved to ", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("d")]
    [InlineData("detailed")]
    [InlineData("diag")]
    public async Task Detailed_AddsALinePerItemSent(string level)
    {
        _h.ThreeDocs();

        var result = await _h.RunAsync("batch", "docs", "--verbosity", level);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(3, result.Out.Split('\n').Count(l => l.Contains("] sending ", StringComparison.Ordinal)));
        Assert.Equal(3, result.Out.Split('\n').Count(l => l.Contains("] ok ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Normal_IsTodaysOutput_WithoutSendingLines()
    {
        _h.ThreeDocs();

        var result = await _h.RunAsync("batch", "docs", "-v", "n");

        Assert.Contains("Batch Processing:", result.Out, StringComparison.Ordinal);
        Assert.Equal(3, result.Out.Split('\n').Count(l => l.Contains("] ok ", StringComparison.Ordinal)));
        Assert.DoesNotContain("] sending ", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownLevel_IsAUsageError_NamingTheLevels()
    {
        var result = await _h.RunAsync("batch-list", "-v", "loud");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error GZ1002: Argument 'loud' not recognized", result.Error, StringComparison.Ordinal);
        Assert.Contains("'diagnostic'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuietWithAnotherLevel_IsAUsageError()
    {
        var result = await _h.RunAsync("batch-list", "-q", "-v", "detailed");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--quiet and --verbosity detailed disagree", result.Error, StringComparison.Ordinal);
    }
}

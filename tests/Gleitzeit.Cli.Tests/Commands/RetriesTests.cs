using Gleitzeit.Testing;

namespace Gleitzeit.Cli.Tests.Commands;

/// <summary><c>--retries N</c> (<c>retry_attempts</c>): N more attempts after the first, counted at the server; a resume keeps it.</summary>
public sealed class RetriesTests : IAsyncLifetime
{
    private CliHarness _h = null!;

    public async Task InitializeAsync() => _h = await CliHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Theory]
    [InlineData("0", 1)]
    [InlineData("1", 2)]
    [InlineData("2", 3)]
    public async Task Retries_AreAttemptsAfterTheFirst(string retries, int requests)
    {
        _h.Write("only.txt", "One document.");
        _h.Server.InjectFault(ServerFault.InternalError, times: 100);

        var result = await _h.RunAsync("batch", "docs", "--retries", retries);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(requests, _h.Server.ChatRequests.Count);
    }

    [Fact]
    public async Task RetryAttemptsInTheConfigFile_MeansTheSame()
    {
        _h.Write("only.txt", "One document.");
        _h.Write("config.yaml", "batch:\n  retry_attempts: 1\n", Path.Combine(_h.Root, ".gleitzeit"));
        _h.Server.InjectFault(ServerFault.InternalError, times: 100);

        await _h.RunAsync("batch", "docs");

        Assert.Equal(2, _h.Server.ChatRequests.Count);
    }

    [Fact]
    public async Task Resume_KeepsTheRetriesTheBatchWasStartedWith_UnlessGivenAgain()
    {
        _h.Write("only.txt", "One document.");
        _h.Server.InjectFault(ServerFault.InternalError, times: 100);
        var first = await _h.RunAsync("batch", "docs", "--retries", "0");
        Assert.Single(_h.Server.ChatRequests);
        _h.Server.ClearLog();

        var resumed = await _h.RunAsync("batch-resume", "last");

        Assert.Equal(1, resumed.ExitCode);
        Assert.Single(_h.Server.ChatRequests);
        _h.Server.ClearLog();

        var overridden = await _h.RunAsync("batch-resume", "last", "--retries", "1");

        Assert.Equal(1, overridden.ExitCode);
        Assert.Equal(2, _h.Server.ChatRequests.Count);
        Assert.Equal(1, first.ExitCode);
    }
}

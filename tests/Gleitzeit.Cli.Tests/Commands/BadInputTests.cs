namespace Gleitzeit.Cli.Tests.Commands;

/// <summary>Every bad input is one line naming the thing and the fix, exit 2, never a stack trace.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private CliHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await CliHarness.StartAsync();
        _h.ThreeDocs();
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static void AssertOneLineError(CliResult result, params string[] expected)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        var first = result.Error.Split('\n')[0];
        foreach (var text in expected)
        {
            Assert.Contains(text, first, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingDirectory() => AssertOneLineError(await _h.RunAsync("batch", "nowhere"), "directory not found", "nowhere", "check the path");

    [Fact]
    public async Task MissingFiles() => AssertOneLineError(await _h.RunAsync("batch", "--files", "ghost.txt"), "ghost.txt");

    [Fact]
    public async Task EmptyMatch() => AssertOneLineError(await _h.RunAsync("batch", "docs", "--pattern", "*.pdf"), "no files", "*.pdf", "--recursive");

    [Fact]
    public async Task UnknownBatchId() => AssertOneLineError(await _h.RunAsync("batch-show", "batch_1999-01-01_00-00-00"), "no batch 'batch_1999-01-01_00-00-00'", "batch-list");

    [Fact]
    public async Task InvalidFormatName() => AssertOneLineError(await _h.RunAsync("batch", "docs", "--output", "r.json", "--format", "xml"), "--format 'xml'", "json, csv or markdown");

    [Fact]
    public async Task InvalidCacheMode() => AssertOneLineError(await _h.RunAsync("batch", "docs", "--cache-mode", "sometimes"), "--cache-mode", "Locked");

    [Fact]
    public async Task UnknownOption() => AssertOneLineError(await _h.RunAsync("batch", "docs", "--colour"), "--colour");

    [Fact]
    public async Task UnreachableEndpoint()
    {
        var result = await _h.RunAsync("batch", "docs", "--endpoint", "http://127.0.0.1:1", "--retries", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("GZ2001", result.Error, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:1", result.Error, StringComparison.Ordinal);
        Assert.Contains("ollama serve", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModel()
    {
        var result = await _h.RunAsync("batch", "docs", "--model", "mistral:7b");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("GZ2002", result.Error, StringComparison.Ordinal);
        Assert.Contains("ollama pull mistral:7b", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n'), l => l.Contains("GZ2002", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvalidConfigFile_NamesFileLineAndKey()
    {
        _h.Write("config.yaml", "batch:\n  max_concurrent: many\n", Path.Combine(_h.Root, ".gleitzeit"));

        var result = await _h.RunAsync("batch", "docs");

        AssertOneLineError(result, "config.yaml(2,", "error GZ1002", "max_concurrent");
    }

    [Fact]
    public async Task Verbose_AddsTheStackTrace()
    {
        var result = await _h.RunAsync("batch", "nowhere", "--verbose");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrencyThatIsNotANumber_NamesTheOption_NotATypeName() =>
        AssertOneLineError(await _h.RunAsync("batch", "docs", "--concurrency", "abc"), "invalid value 'abc' for --concurrency", "whole number from 1 to 1024");

    [Fact]
    public async Task HalfAByte_IsNotASize() => AssertOneLineError(await _h.RunAsync("batch", "docs", "--max-size", "0.5"), "--max-size", "whole number of bytes");

    [Fact]
    public async Task SizeLimitAboveWhatCanBeSent_IsRefused() => AssertOneLineError(await _h.RunAsync("batch", "docs", "--max-size", "3GB"), "--max-size", "256 MiB");

    [Fact]
    public async Task TimeoutBeyondWhatATimerHolds_IsRefused() => AssertOneLineError(await _h.RunAsync("batch", "docs", "--timeout", "1e308"), "--timeout", "at most 604800");

    [Fact]
    public async Task EndpointEndingInApi_IsAConfigurationError_NotAMissingModel()
    {
        var result = await _h.RunAsync("batch", "docs", "--endpoint", _h.Server.Endpoint + "/api");

        AssertOneLineError(result, "error GZ1002", "without '/api'");
        Assert.DoesNotContain("ollama pull", result.Error, StringComparison.Ordinal);
        Assert.Empty(_h.Server.ChatRequests);
    }

    [Fact]
    public async Task ExportToAnUnknownSuffix_IsAnError_NotSilentJson()
    {
        Assert.Equal(0, (await _h.RunAsync("batch", "docs")).ExitCode);

        var result = await _h.RunAsync("batch-export", "last", "--output", "x.xml");

        AssertOneLineError(result, "x.xml", "--format");
        Assert.False(File.Exists(Path.Combine(_h.Root, "x.xml")));
    }

    [Fact]
    public async Task MappingUsedAsAKeyInConfig_IsOneErrorWithItsPosition()
    {
        _h.Write("config.yaml", "batch:\n  ? [a, b]\n  : 2\n", Path.Combine(_h.Root, ".gleitzeit"));

        AssertOneLineError(await _h.RunAsync("batch", "docs"), "config.yaml(2,", "error GZ1002", "setting name");
    }

    [Fact]
    public async Task ConfigRootThatIsAList_IsAnError()
    {
        _h.Write("config.yaml", "- max_concurrent: 3\n", Path.Combine(_h.Root, ".gleitzeit"));

        AssertOneLineError(await _h.RunAsync("batch", "docs"), "config.yaml(1,", "must be a mapping");
    }

    [Fact]
    public async Task SystemErrors_AreReadableText_NotResourceKeys()
    {
        var result = await _h.RunAsync("batch", "docs", "--output", "/proc/no-such-dir/x.json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("GZ3005", result.Error, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\b(IO|UnauthorizedAccess|net|Arg|Argument|InvalidOperation)_[A-Za-z0-9_]+", result.Error);
    }
}

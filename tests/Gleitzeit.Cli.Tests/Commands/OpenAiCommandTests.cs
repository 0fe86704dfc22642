using Gleitzeit.Testing;

namespace Gleitzeit.Cli.Tests.Commands;

/// <summary>gleitzeit against an OpenAI-protocol server as a child process: the key from the environment only, never written or printed.</summary>
public sealed class OpenAiCommandTests : IAsyncLifetime
{
    private CliHarness _h = null!;
    private OpenAiTestServer _server = null!;
    private readonly SecretCanary _key = new();

    public async Task InitializeAsync()
    {
        _h = await CliHarness.StartAsync();
        _server = await OpenAiTestServer.StartAsync();
        _server.RequiredKey = _key.Value;
        _h.ThreeDocs();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _h.DisposeAsync();
    }

    private Task<CliResult> Run(string? key, params string[] args) =>
        _h.RunProcessAsync(new Dictionary<string, string> { ["OPENAI_API_KEY"] = key ?? string.Empty, ["OPENAI_BASE_URL"] = _server.Endpoint + "/v1" }, args);

    [Fact]
    public async Task Batch_WithTheKeyInItsVariable_IsAnswered_AndTheKeyIsNowhere()
    {
        var ok = await Run(_key.Value, "batch", "docs", "--provider", "openai", "--model", "gpt-4o-mini", "--output", "out.json", "--verbose");
        var shown = await Run(_key.Value, "batch-show", "last");
        _server.RequiredKey = "sk-another";
        _h.Write("d.txt", "Delta is new.");
        var refused = await Run(_key.Value, "batch", "docs", "--provider", "openai", "--model", "gpt-4o-mini", "--verbose");
        var missing = await Run(null, "batch", "docs", "--provider", "openai", "--model", "gpt-4o-mini");

        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("gpt-4o-mini", shown.Out, StringComparison.Ordinal);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("error GZ2007", refused.Error, StringComparison.Ordinal);
        Assert.Contains("OPENAI_API_KEY", refused.Error, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("error GZ1006", missing.Error, StringComparison.Ordinal);
        _key.AssertNowhere([_h.Root], ok.Out, ok.Error, shown.Out, shown.Error, refused.Out, refused.Error, missing.Out, missing.Error);
    }

    [Fact]
    public async Task ADeadProxy_IsNamedWithItsVariable_NotBlamedOnTheService()
    {
        var environment = new Dictionary<string, string>
        {
            ["OPENAI_API_KEY"] = _key.Value,
            ["OPENAI_BASE_URL"] = _server.Endpoint + "/v1",
            ["HTTP_PROXY"] = "http://127.0.0.1:9",
            ["NO_PROXY"] = string.Empty,
            ["no_proxy"] = string.Empty,
        };

        var result = await _h.RunProcessAsync(environment, "batch", "docs", "--provider", "openai", "--model", "gpt-4o-mini", "--retries", "0");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"error GZ2001: cannot reach the proxy http://127.0.0.1:9 (HTTP_PROXY) on the way to {_server.Endpoint}/v1", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot reach the model server", result.Error, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task ATwoCharacterKey_EchoedByTheServer_IsInNoRecordExportOrConsoleLine()
    {
        var shortKey = new SecretCanary("Q~");
        _server.RequiredKey = shortKey.Value;
        _server.InjectFault(ServerFault.EchoCredentials, times: 10);

        var run = await Run(shortKey.Value, "batch", "docs", "--provider", "openai", "--model", "gpt-4o-mini", "--output", "out.json", "--verbose");
        var csv = await Run(shortKey.Value, "batch-export", "last", "--output", "out.csv");
        var markdown = await Run(shortKey.Value, "batch-export", "last", "--output", "out.md");
        var json = await Run(shortKey.Value, "batch-export", "last", "--format", "json");
        var shown = await Run(shortKey.Value, "batch-show", "last");

        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.True((run.Error + run.Out + shown.Out).Contains("Invalid request headers: Authorization: Bearer ***", StringComparison.Ordinal), run.ToString() + shown);
        Assert.True(File.Exists(Path.Combine(_h.Root, "out.csv")) && File.Exists(Path.Combine(_h.Root, "out.md")), csv.ToString() + markdown);
        shortKey.AssertNowhere([_h.Root], run.Out, run.Error, csv.Out, csv.Error, markdown.Out, markdown.Error, json.Out, json.Error, shown.Out, shown.Error);
    }

    [Fact]
    public async Task PlainResume_GoesBackToTheBatchsServer_WithItsKeyVariable_FromAnyDirectory()
    {
        // Neither the provider, nor the address, nor the key's variable is given again, nor found in the default places.
        var environment = new Dictionary<string, string> { ["MY_GATEWAY_KEY"] = _key.Value };
        _server.InjectFault(ServerFault.BadRequest, times: 1, match: "compiler");
        var first = await _h.RunProcessAsync(environment, "batch", "docs", "--provider", "openai", "--endpoint", _server.Endpoint + "/v1", "--api-key-env", "MY_GATEWAY_KEY", "--model", "gpt-4o-mini", "--retries", "0");
        Assert.True(first.ExitCode == 1, first.ToString());
        var id = new Batch.Results.ResultStore(_h.ResultsDirectory).List().Single().BatchId;
        _server.ClearLog();
        var elsewhere = Directory.CreateDirectory(Path.Combine(_h.Root, "elsewhere")).FullName;

        var resumed = await _h.RunProcessInAsync(elsewhere, environment, "batch-resume", id);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Single(_server.ChatRequests);
        Assert.Empty(_h.Server.ChatRequests);
        _key.AssertNowhere([_h.Root], first.Out, first.Error, resumed.Out, resumed.Error);
    }

    [Fact]
    public async Task ABudgetForAnOpenAiModel_IsCountedWithItsTokenizer_AndNothingIsSent()
    {
        var result = await Run(_key.Value, "batch", "docs", "--provider", "openai", "--model", "gpt-4o-mini", "--max-tokens-total", "20");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error GZ4003", result.Error, StringComparison.Ordinal);
        Assert.Contains("counted with the model's tokenizer", result.Error, StringComparison.Ordinal);
        Assert.Empty(_server.ChatRequests);
    }

    [Fact]
    public async Task StormOf429Answers_IsWaitedOut_AndEveryItemCompletes()
    {
        for (var i = 0; i < 24; i++)
        {
            _h.Write($"more{i:00}.txt", $"More {i}.");
        }

        _server.RequestsPerMinute = 900;
        _server.Burst = 2;

        var result = await Run(_key.Value, "batch", "docs", "--provider", "openai", "--model", "gpt-4o-mini", "--concurrency", "8");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("27 files, 27 ok", result.Out, StringComparison.Ordinal);
        Assert.Contains("rate limit", result.Error, StringComparison.Ordinal);
    }
}

using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Contract;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Tests.Execution;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Providers;

/// <summary>Messages name the real culprit, in the server's own words where it gave some, and never paste a page.</summary>
public sealed class ServerMessageTests : IAsyncLifetime
{
    private const string Key = "sk-test-key-for-the-test-server";
    private BatchHarness _h = null!;
    private OpenAiTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _h = await BatchHarness.StartAsync();
        _server = await OpenAiTestServer.StartAsync();
        _server.RequiredKey = Key;
        for (var i = 0; i < 6; i++)
        {
            _h.Workspace.Write($"f{i}.txt", $"File {i}");
        }
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _h.DisposeAsync();
    }

    private BatchSettings Settings(bool openAi) => openAi
        ? _h.Workspace.Settings(_h.Server.Endpoint) with
        {
            Provider = "openai",
            Endpoint = _server.Endpoint + "/v1",
            Model = "gpt-4o-mini",
            MaxConcurrent = 4,
            Environment = name => name == "OPENAI_API_KEY" ? Key : null,
        }
        : _h.Workspace.Settings(_h.Server.Endpoint) with { MaxConcurrent = 4 };

    private string Model(bool openAi) => openAi ? "gpt-4o-mini" : BatchHarness.Template().Model;

    private void Inject(bool openAi, ServerFault fault)
    {
        if (openAi)
        {
            _server.InjectFault(fault, times: 1000);
        }
        else
        {
            _h.Server.InjectFault(fault, times: 1000);
        }
    }

    private int Chats(bool openAi) => openAi ? _server.ChatRequests.Count : _h.Server.ChatRequests.Count;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AGatewaysHtmlErrorPage_IsNamedByItsTitle_NotPastedIn(bool openAi)
    {
        Inject(openAi, ServerFault.HtmlGatewayError);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: Model(openAi))), Settings(openAi) with { RetryAttempts = 0 });

        var errors = outcome.Record.Results.Values.Select(r => r.Error ?? string.Empty).Append(outcome.Record.Error ?? string.Empty).Where(e => e.Length > 0).ToList();
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Contains("an HTML page (\"503 Service Temporarily Unavailable\")", e, StringComparison.Ordinal));
        Assert.All(errors, e => Assert.DoesNotContain("<", e, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AProxysLoginPageInsteadOfAnAnswer_StopsTheBatchAtTheFirstCall_NamingThePage(bool openAi)
    {
        Inject(openAi, ServerFault.HtmlLoginPage);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: Model(openAi))), Settings(openAi));

        Assert.Equal(BatchStatus.Aborted, outcome.Record.Status);
        Assert.Equal(DiagnosticCodes.RequestRejected, outcome.Record.ErrorCode);
        Assert.Contains("an HTML page (\"Sign in – Corp Access\")", outcome.Record.Error, StringComparison.Ordinal);
        Assert.InRange(Chats(openAi), 1, 4);
        var sent = openAi ? _server.ChatRequests.Select(r => r.FileName) : _h.Server.ChatRequests.Select(r => r.FileName);
        Assert.All(sent.GroupBy(f => f), g => Assert.Single(g));
        Assert.DoesNotContain(outcome.Record.Results.Values, r => r.Status == ItemResult.Success);
    }

    [Fact]
    public async Task AForbiddenKey_KeepsTheServersOwnReason()
    {
        _server.ForbiddenKey = Key;

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), Settings(openAi: true));

        Assert.Equal(DiagnosticCodes.KeyRefused, outcome.Record.ErrorCode);
        Assert.Contains("The 'models' permission is required", outcome.Record.Error, StringComparison.Ordinal);
        Assert.Contains("check the key", outcome.Record.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OllamaHostGivenAsTheServersListenAddress_IsReachedOnLoopback()
    {
        var port = new Uri(_h.Server.Endpoint).Port;

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template()), Settings(openAi: false) with { Endpoint = $"0.0.0.0:{port}" });

        Assert.True(outcome.AllSucceeded, outcome.Record.Error ?? string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)));
    }
}

using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Contract;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Tests.Execution;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Providers;

/// <summary>
/// A wrong key, model or address costs at most one request, whatever the concurrency: the server is asked first
/// (one short request), and until it has shown that it takes a model's calls they go one at a time.
/// </summary>
public sealed class FirstContactTests : IAsyncLifetime
{
    private const string Key = "sk-test-key-for-the-test-server";
    private const int Files = 46;
    private BatchHarness _h = null!;
    private OpenAiTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _h = await BatchHarness.StartAsync();
        _server = await OpenAiTestServer.StartAsync(slots: 64);
        _server.RequiredKey = Key;
        for (var i = 0; i < Files; i++)
        {
            _h.Workspace.Write($"f{i:00}.txt", $"File number {i}");
        }
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _h.DisposeAsync();
    }

    private BatchSettings OpenAi(string key, string provider = "openai") => _h.Workspace.Settings(_h.Server.Endpoint) with
    {
        Provider = provider,
        Endpoint = _server.Endpoint + "/v1",
        Model = "gpt-4o-mini",
        MaxConcurrent = 32,
        Environment = name => name is "OPENAI_API_KEY" or "AZURE_OPENAI_API_KEY" ? key : null,
    };

    private int ModelListRequests => _server.Requests.Count(r => r.Path.EndsWith("/models", StringComparison.Ordinal));

    [Theory]
    [InlineData("openai")]
    [InlineData("azure-openai")]
    public async Task AWrongKey_IsRefusedByTheModelList_AndNoGenerationIsSent(string provider)
    {
        _server.AuthStyle = provider == "azure-openai" ? OpenAiAuthStyle.ApiKeyHeader : OpenAiAuthStyle.Bearer;

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi("sk-wrong", provider));

        Assert.Equal(BatchStatus.Aborted, outcome.Record.Status);
        Assert.Equal(DiagnosticCodes.KeyRefused, outcome.Record.ErrorCode);
        Assert.Empty(_server.ChatRequests);
        Assert.Equal(1, ModelListRequests);
        Assert.Equal(0, outcome.Record.Successful + outcome.Record.Failed);
    }

    [Fact]
    public async Task AWrongKeyOnAServiceWithoutAModelList_CostsOneGeneration()
    {
        _server.ListsModels = false;

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi("sk-wrong"));

        Assert.Equal(DiagnosticCodes.KeyRefused, outcome.Record.ErrorCode);
        Assert.Single(_server.ChatRequests);
    }

    [Fact]
    public async Task AModelTheServiceDoesNotHave_CostsOneGeneration_AndNamesTheModel()
    {
        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-5-typo")), OpenAi(Key) with { Model = "gpt-5-typo" });

        Assert.Equal(DiagnosticCodes.ModelNotFound, outcome.Record.ErrorCode);
        Assert.Contains("gpt-5-typo", outcome.Record.Error, StringComparison.Ordinal);
        Assert.Single(_server.ChatRequests);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AHealthyRun_StillSendsManyAtOnce_AfterOneShortRequest(bool listsModels)
    {
        _server.ListsModels = listsModels;
        _server.Latency = TimeSpan.FromMilliseconds(150);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi(Key));

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)));
        Assert.Equal(Files, _server.ChatRequests.Count);
        Assert.Equal(1, ModelListRequests);
        Assert.True(_server.PeakInFlight >= 16, $"at most {_server.PeakInFlight} calls were answered at once");
    }

    [Fact]
    public async Task Ollama_AModelTheServerDoesNotHave_SendsNoGeneration()
    {
        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "no-such-model")), _h.Workspace.Settings(_h.Server.Endpoint) with { MaxConcurrent = 32 });

        Assert.Equal(DiagnosticCodes.ModelNotFound, outcome.Record.ErrorCode);
        Assert.Empty(_h.Server.ChatRequests);
    }

    [Fact]
    public async Task Ollama_BehindAProxyThatRefusesTheCredentials_SendsNoGeneration()
    {
        _h.Server.RequiredBasicAuth = "reader:secret";

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template()), _h.Workspace.Settings(_h.Server.Endpoint) with { MaxConcurrent = 32 });

        Assert.Equal(DiagnosticCodes.KeyRefused, outcome.Record.ErrorCode);
        Assert.Empty(_h.Server.ChatRequests);
    }

    [Theory]
    [InlineData(ServerFault.Unauthorized, DiagnosticCodes.KeyRefused)]
    [InlineData(ServerFault.Forbidden, DiagnosticCodes.KeyRefused)]
    [InlineData(ServerFault.ModelNotFound, DiagnosticCodes.ModelNotFound)]
    public async Task AModelListThatNamesTheModel_ProvesNothingAboutChats_SoARefusedChatStillCostsOne(ServerFault fault, string code)
    {
        // llama-server serves /models without its key; a gateway may list a model it then refuses.
        _server.Latency = TimeSpan.FromMilliseconds(300);
        _server.InjectFault(fault, times: 1000);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), OpenAi(Key));

        Assert.Equal(code, outcome.Record.ErrorCode);
        Assert.Single(_server.ChatRequests);
        Assert.DoesNotContain("(the model)", outcome.Record.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ollama_AProxyThatGuardsOnlyChats_CostsOneGeneration()
    {
        _h.Server.InjectFault(ServerFault.ModelNotFound, times: 1000);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template()), _h.Workspace.Settings(_h.Server.Endpoint) with { MaxConcurrent = 32 });

        Assert.Equal(DiagnosticCodes.ModelNotFound, outcome.Record.ErrorCode);
        Assert.Single(_h.Server.ChatRequests);
    }
}

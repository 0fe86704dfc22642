using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Tests.Execution;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Providers;

/// <summary>Several Ollama servers behind one endpoint setting: work spread over free slots, a dead server set aside, digests that must agree.</summary>
public sealed class OllamaServersTests : IAsyncLifetime
{
    private BatchHarness _h = null!;
    private OllamaTestServer _second = null!;

    public async Task InitializeAsync()
    {
        _h = await BatchHarness.StartAsync(slots: 2, latency: TimeSpan.FromMilliseconds(50));
        _second = await OllamaTestServer.StartAsync(slots: 2, latency: TimeSpan.FromMilliseconds(50));
        for (var i = 0; i < 20; i++)
        {
            _h.Workspace.Write($"doc{i:00}.txt", $"Document {i}");
        }
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _h.DisposeAsync();
    }

    [Fact]
    public async Task TwoServers_ShareTheItems_EachUpToItsOwnConcurrency()
    {
        var settings = _h.CurrentSettings with { Endpoint = $"{_h.Server.Endpoint};{_second.Endpoint}", MaxConcurrent = 2 };

        var outcome = await _h.RunAsync(settings: settings);

        Assert.True(outcome.AllSucceeded);
        Assert.Equal(20, _h.Server.ChatRequests.Count + _second.ChatRequests.Count);
        Assert.InRange(_h.Server.ChatRequests.Count, 5, 15);
        Assert.Contains(";", outcome.Record.Endpoint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerThatCannotBeReached_IsSetAsideWithOneWarning_AndTheOthersDoTheWork()
    {
        var settings = _h.CurrentSettings with { Endpoint = $"http://127.0.0.1:1;{_second.Endpoint}", MaxConcurrent = 2 };

        var outcome = await _h.RunAsync(settings: settings);

        Assert.True(outcome.AllSucceeded, outcome.Record.Error);
        Assert.Equal(20, _second.ChatRequests.Count);
        var warning = Assert.Single(_h.Events, e => e.Kind == BatchEventKind.Warning);
        Assert.Contains("127.0.0.1:1", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelWithDifferentDigestsOnTheServers_StopsTheBatch_NamingBoth()
    {
        _second.AddModel("llama3.2:latest", "sha256:" + new string('f', 64));
        var settings = _h.CurrentSettings with { Endpoint = $"{_h.Server.Endpoint};{_second.Endpoint}" };

        var outcome = await _h.RunAsync(settings: settings);

        Assert.Equal(BatchStatus.Aborted, outcome.Record.Status);
        Assert.Equal(DiagnosticCodes.ModelNotFound, outcome.Record.ErrorCode);
        Assert.Contains(_h.Server.Endpoint, outcome.Record.Error, StringComparison.Ordinal);
        Assert.Contains(_second.Endpoint, outcome.Record.Error, StringComparison.Ordinal);
        Assert.Contains("differs between servers", outcome.Record.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndpointListInConfig_AsAYamlList_IsRead()
    {
        Directory.CreateDirectory(Path.Combine(_h.Workspace.Root, ".gleitzeit"));
        File.WriteAllText(Path.Combine(_h.Workspace.Root, ".gleitzeit", "config.yaml"), $"batch:\n  endpoint:\n    - {_h.Server.Endpoint}\n    - {_second.Endpoint}\n");

        var settings = Gleitzeit.Batch.Configuration.ConfigurationLoader.Load(_h.Workspace.Root, name => name == "GLEITZEIT_HOME" ? _h.Workspace.Home : null);

        Assert.Equal([_h.Server.Endpoint, _second.Endpoint], settings.Endpoints);
    }
}

using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Contract;
using Gleitzeit.Batch.Tests.Execution;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Providers;

/// <summary>An API key as environment variables hold it: surrounding whitespace dropped, characters no header may carry refused before any request.</summary>
public sealed class ApiKeyTests : IAsyncLifetime
{
    private const string Key = "sk-test-key-for-the-test-server";
    private BatchHarness _h = null!;
    private OpenAiTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _h = await BatchHarness.StartAsync();
        _server = await OpenAiTestServer.StartAsync();
        _server.RequiredKey = Key;
        _h.Workspace.Write("a.txt", "Alpha");
        _h.Workspace.Write("b.txt", "Beta");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _h.DisposeAsync();
    }

    private BatchSettings WithKey(string value) => _h.Workspace.Settings(_h.Server.Endpoint) with
    {
        Provider = "openai",
        Endpoint = _server.Endpoint + "/v1",
        Model = "gpt-4o-mini",
        Environment = name => name == "OPENAI_API_KEY" ? value : null,
    };

    [Fact]
    public async Task AKeyWithATrailingNewline_IsSentTrimmed_AndTheAnswersAreTheServers()
    {
        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), WithKey(" " + Key + "\r\n"));

        Assert.True(outcome.AllSucceeded, string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)));
        Assert.All(_server.ChatRequests, r => Assert.True(r.AuthValid));
        Assert.All(outcome.Record.Results.Values, r => Assert.Equal(OpenAiTestServer.ReplyFor(_server.ChatRequests.First(c => c.FileName == r.File).UserContent), r.Result));
    }

    [Theory]
    [InlineData("sk-abc\ndef")]
    [InlineData("sk-abc déf")]
    [InlineData("sk-abc\u0000def")]
    public async Task AKeyWithControlOrNonAsciiCharacters_StopsTheBatchBeforeAnyRequest_NamingTheVariableNotTheValue(string key)
    {
        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), WithKey(key));

        Assert.Empty(_server.ChatRequests);
        var error = outcome.Record.Error ?? string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error));
        Assert.Contains("OPENAI_API_KEY", error, StringComparison.Ordinal);
        Assert.DoesNotContain("abc", error, StringComparison.Ordinal);
        Assert.Equal(DiagnosticCodes.MissingApiKey, outcome.Record.ErrorCode ?? outcome.Record.Results.Values.First().ErrorCode);
    }

    [Fact]
    public async Task OllamaBehindAnAuthenticatingProxy_StopsTheBatchAtTheFirstRefusal_KeepingTheServersText()
    {
        for (var i = 0; i < 30; i++)
        {
            _h.Workspace.Write($"f{i:00}.txt", $"File {i}");
        }

        _h.Server.RequiredBasicAuth = "reader:secret";

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template()), _h.Workspace.Settings(_h.Server.Endpoint) with { MaxConcurrent = 2 });

        Assert.Equal(DiagnosticCodes.KeyRefused, outcome.Record.ErrorCode);
        Assert.Contains("refused the request's credentials (401)", outcome.Record.Error, StringComparison.Ordinal);
        Assert.True(_h.Server.Requests.Count(r => r.Path == "/api/chat") <= 2, $"{_h.Server.Requests.Count} requests");
    }

    [Fact]
    public async Task AnAccountWithoutCredit_StopsTheBatchAtTheFirstRefusal_InsteadOfWaitingItOut()
    {
        for (var i = 0; i < 20; i++)
        {
            _h.Workspace.Write($"f{i:00}.txt", $"File {i}");
        }

        _server.InjectFault(ServerFault.InsufficientQuota, times: 1000);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), WithKey(Key) with { MaxConcurrent = 1 });

        Assert.Equal(DiagnosticCodes.OutOfCredit, outcome.Record.ErrorCode);
        Assert.Contains("You exceeded your current quota", outcome.Record.Error, StringComparison.Ordinal);
        Assert.Single(_server.ChatRequests);
    }

    [Theory]
    [InlineData("openai", 307)]
    [InlineData("azure-openai", 302)]
    public async Task ARedirectToAnotherAddress_IsNotFollowed_SoTheKeyNeverReachesIt(string provider, int status)
    {
        await using var redirect = await RedirectServer.StartAsync(_server.Endpoint, status);
        var settings = WithKey(Key) with
        {
            Provider = provider,
            Endpoint = redirect.Endpoint + (provider == "openai" ? "/v1" : string.Empty),
            Environment = name => name is "OPENAI_API_KEY" or "AZURE_OPENAI_API_KEY" ? Key : null,
        };

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), settings);

        Assert.Empty(_server.Requests);
        Assert.Equal(DiagnosticCodes.RequestRejected, outcome.Record.ErrorCode);
        Assert.Contains($"redirected the request ({status}) to {_server.Endpoint}: not followed", outcome.Record.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARedirectFromOllama_IsNotFollowed_SoItsUserAndPasswordNeverReachAnotherAddress()
    {
        await using var redirect = await RedirectServer.StartAsync(_h.Server.Endpoint);
        var endpoint = redirect.Endpoint.Replace("http://", "http://reader:canary-secret@", StringComparison.Ordinal);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template()), _h.Workspace.Settings(endpoint));

        Assert.DoesNotContain(_h.Server.Requests, r => r.Path == "/api/chat");
        Assert.Contains("not followed", outcome.Record.Error ?? string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error)), StringComparison.Ordinal);
        Assert.DoesNotContain("canary-secret", outcome.Record.Error ?? string.Empty, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad key sk-test%2Bkey%2Ffor%3Dthe-test-server given")]
    [InlineData("bad key sk-test%2bkey%2ffor%3dthe-test-server given")]
    [InlineData("token SK-TEST+KEY/FOR=THE-TEST-SERVER")]
    [InlineData("bad key sk-test+key/for=the-test-server given")]
    public void AnEchoedKey_IsMasked_EncodedOrInOtherCase(string echoed)
    {
        var masked = Gleitzeit.Batch.Contract.Secrets.Redact(echoed, "sk-test+key/for=the-test-server");

        Assert.DoesNotContain("the-test-server", masked, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("***", masked, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Authorization: Bearer ab", "Authorization: Bearer ***")]
    [InlineData("sent Basic ab to the proxy", "sent Basic *** to the proxy")]
    [InlineData("api-key: ab; x-api-key=AB", "api-key: ***; x-api-key=***")]
    [InlineData("password 'ab' is wrong, key ab rejected", "password '***' is wrong, key *** rejected")]
    [InlineData("cannot log in to http://u:ab@host/", "cannot log in to http://***@host/")]
    [InlineData("the value \"ab\" is not allowed", "the value \"***\" is not allowed")]
    [InlineData("table ab has 3 rows; abc and cab stay; key abc stays", "table ab has 3 rows; abc and cab stay; key abc stays")]
    [InlineData("api_key=ab apikey: ab Authorization=Bearer%20ab Bearer:ab", "api_key=*** apikey: *** Authorization=Bearer%20*** Bearer:***")]
    [InlineData("proxy said bob:ab@host refused", "proxy said bob:***@host refused")]
    public void AShortKnownSecret_IsMaskedWhereItStandsAsACredential_AndOnlyThere(string echoed, string expected) =>
        Assert.Equal(expected, Gleitzeit.Batch.Contract.Secrets.Redact(echoed, "ab"));

    [Theory]
    [InlineData("key sk-canary/KEY+123= refused")]
    [InlineData("key sk-canary%2FKEY%2B123%3D refused")]
    [InlineData("key sk-canary/KEY%2B123%3D refused")]
    [InlineData("key SK-CANARY%2fkey%2b123%3d refused")]
    public void AKnownSecret_IsMasked_HoweverMuchOfItAServerUrlEncoded(string echoed) =>
        Assert.Equal("key *** refused", Gleitzeit.Batch.Contract.Secrets.Redact(echoed, "sk-canary/KEY+123="));

    [Fact]
    public async Task AServerThatEchoesTheKey_NeverHasItStored_InTheRecordOrItsFile()
    {
        _server.InjectFault(ServerFault.EchoCredentials, times: 10);

        var outcome = await _h.RunAsync(_h.Plan(BatchHarness.Template(model: "gpt-4o-mini")), WithKey(Key));

        var errors = string.Join("; ", outcome.Record.Results.Values.Select(r => r.Error));
        Assert.Contains("Invalid request headers", errors, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, errors, StringComparison.Ordinal);
        Assert.DoesNotContain("test-key", errors, StringComparison.Ordinal);
        foreach (var file in Directory.GetFiles(_h.Workspace.Root, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(Key, File.ReadAllText(file), StringComparison.Ordinal);
        }
    }
}

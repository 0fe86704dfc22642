using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>
/// The repository's samples, copied out and built as a user would: the text samples with their default, the in-process
/// model (downloaded from a 127.0.0.1 server, as the README's override does), and every sample against an
/// Ollama-protocol and an OpenAI-protocol server.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class SampleBuildTests(PackedFeed feed) : IAsyncLifetime
{
    private OllamaTestServer _ollama = null!;
    private OpenAiTestServer _openAi = null!;
    private FileDownloadServer _models = null!;
    private readonly SecretCanary _key = new();

    public async Task InitializeAsync()
    {
        _ollama = await OllamaTestServer.StartAsync();
        _openAi = await OpenAiTestServer.StartAsync();
        _openAi.RequiredKey = _key.Value;
        _openAi.AddModel("llama3.2:latest");
        _openAi.AddModel("llava:latest");
        _models = await FileDownloadServer.StartAsync();
        _models.Add("/tiny.gguf", TinyGguf.Create(new TinyGgufOptions { ContextLength = 32768 }));
    }

    public async Task DisposeAsync()
    {
        await _models.DisposeAsync();
        await _openAi.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    [Theory]
    [InlineData("DocsSummaries", "docs-summaries.json", 3)]
    [InlineData("WorkflowReport", "report.json", 3)]
    public void TextSample_RunsItsDefaultInProcessModel_WithNoServer_AndItsSecondBuildSendsNothing(string sample, string artifact, int items)
    {
        var project = new ConsumerProject(feed, _ollama, sample);
        CopyDirectory(Path.Combine(RepositoryLayout.Root(), "samples", sample), project.Directory);
        var environment = new Dictionary<string, string> { ["GLEITZEIT_MODEL"] = _models.Url("/tiny.gguf").AbsoluteUri, ["OLLAMA_HOST"] = "http://127.0.0.1:9" };

        var first = project.BuildWith(environment, $"-p:GleitzeitBuildVersion={feed.Version}");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("downloaded to", first.Output, StringComparison.Ordinal);
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(ArtifactOf(project, sample, artifact))))
        {
            var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
            Assert.True(results.Count >= items, json.RootElement.ToString());
            Assert.All(results, r => Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("result").GetString())));
        }

        Assert.Empty(_ollama.Requests);
        var second = project.BuildWith(environment, $"-p:GleitzeitBuildVersion={feed.Version}", "-p:GleitzeitCacheMode=Locked", "--no-incremental");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Single(_models.Requests, r => r.Path == "/tiny.gguf");
    }

    [Theory]
    [InlineData("DocsSummaries", "ollama", "docs-summaries.json")]
    [InlineData("DocsSummaries", "openai", "docs-summaries.json")]
    [InlineData("ImageCaptions", "ollama", "image-captions.json")]
    [InlineData("ImageCaptions", "openai", "image-captions.json")]
    [InlineData("WorkflowReport", "ollama", "report.json")]
    [InlineData("WorkflowReport", "openai", "report.json")]
    public void Sample_BuildsAgainstEitherServer(string sample, string provider, string artifact)
    {
        var project = new ConsumerProject(feed, _ollama, sample);
        CopyDirectory(Path.Combine(RepositoryLayout.Root(), "samples", sample), project.Directory);
        var environment = new Dictionary<string, string>();
        var args = new List<string> { $"-p:GleitzeitBuildVersion={feed.Version}", $"-p:GleitzeitProvider={provider}" };
        if (provider == "openai")
        {
            environment["OPENAI_API_KEY"] = _key.Value;
            args.Add($"-p:GleitzeitEndpoint={_openAi.Endpoint}/v1");
        }

        var result = project.BuildWith(environment, [.. args]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(ArtifactOf(project, sample, artifact)), artifact);
        Assert.NotEmpty(provider == "openai" ? _openAi.ChatRequests : _ollama.ChatRequests);
        if (provider == "openai")
        {
            _key.AssertNowhere([project.Directory, project.Home], result.Output);
        }
    }

    // DocsSummaries keeps its artifacts in a committed folder of the project (the review setup); the others in bin/.
    private static string ArtifactOf(ConsumerProject project, string sample, string artifact) =>
        sample == "DocsSummaries" ? Path.Combine(project.Directory, "summaries", artifact) : project.Artifact(artifact);

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj" or "summaries")
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}

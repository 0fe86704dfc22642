using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>
/// The repository's samples, copied out and built as a user would: the text samples with their default, the in-process
/// model (downloaded from serve-model, as the README's offline path has it), and every sample against an
/// Ollama-protocol and an OpenAI-protocol server.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class SampleBuildTests(PackedFeed feed) : IAsyncLifetime
{
    private OllamaTestServer _ollama = null!;
    private OpenAiTestServer _openAi = null!;
    private readonly SecretCanary _key = new();

    public async Task InitializeAsync()
    {
        _ollama = await OllamaTestServer.StartAsync();
        _openAi = await OpenAiTestServer.StartAsync();
        _openAi.RequiredKey = _key.Value;
        _openAi.AddModel("llama3.2:latest");
        _openAi.AddModel("llava:latest");
    }

    public async Task DisposeAsync()
    {
        await _openAi.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    [Theory]
    [InlineData("DocsSummaries", "docs-summaries.json", 3)]
    [InlineData("WorkflowReport", "report.json", 3)]
    public async Task TheReadmesOfflinePath_AsWritten_BuildsTheSampleWithServeModelsModel_AndItsSecondBuildIsANoOp(string sample, string artifact, int items)
    {
        // Exactly what the README says to run: serve-model, then the line it prints.
        await using var serveModel = await ServeModel.StartAsync();
        var printed = Assert.Single(serveModel.TryLines, l => l.EndsWith("dotnet build samples/" + sample, StringComparison.Ordinal));
        var readme = Docs.Readme();
        Assert.Contains("dotnet run --project tests/Gleitzeit.Benchmarks -c Release -- serve-model", readme, StringComparison.Ordinal);
        Assert.Contains("`" + printed.Replace(serveModel.Url, "http://127.0.0.1:PORT/tiny.gguf", StringComparison.Ordinal) + "`", readme, StringComparison.Ordinal);

        var checkout = Path.Combine(feed.Root, Guid.NewGuid().ToString("N"));
        var project = new ConsumerProject(feed, _ollama, sample, Path.Combine(checkout, "samples"));
        CopyDirectory(Path.Combine(RepositoryLayout.Root(), "samples", sample), project.Directory);
        var environment = project.Environment();
        environment["GLEITZEIT_MODEL"] = serveModel.Url;
        environment["OLLAMA_HOST"] = "http://127.0.0.1:9";
        string[] command = ["build", "samples/" + sample, "-nr:false", "-v:n", $"-p:GleitzeitBuildVersion={feed.Version}"];

        var first = Dotnet.Run(checkout, environment, command);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("downloaded to", first.Output, StringComparison.Ordinal);
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(ArtifactOf(project, sample, artifact))))
        {
            var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
            Assert.True(results.Count >= items, json.RootElement.ToString());
            Assert.All(results, r => Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("result").GetString())));
        }

        var second = Dotnet.Run(checkout, environment, command);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("Skipping target \"GleitzeitRun\" because all output files are up-to-date", second.Output, StringComparison.Ordinal);
        Assert.Empty(_ollama.Requests);
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

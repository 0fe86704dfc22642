using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>The repository's samples, copied out and built as a user would, against an Ollama-protocol and an OpenAI-protocol server.</summary>
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
        var args = new List<string> { $"-p:GleitzeitBuildVersion={feed.Version}" };
        if (provider == "openai")
        {
            environment["OPENAI_API_KEY"] = _key.Value;
            args.Add("-p:GleitzeitProvider=openai");
            args.Add($"-p:GleitzeitEndpoint={_openAi.Endpoint}/v1");
        }

        var result = project.BuildWith(environment, [.. args]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(project.Artifact(artifact)), artifact);
        Assert.NotEmpty(provider == "openai" ? _openAi.ChatRequests : _ollama.ChatRequests);
        if (provider == "openai")
        {
            _key.AssertNowhere([project.Directory, project.Home], result.Output);
        }
    }

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

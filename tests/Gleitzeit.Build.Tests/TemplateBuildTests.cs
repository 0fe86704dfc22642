using System.Text.RegularExpressions;
using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>
/// <c>dotnet new gleitzeit-docs</c> from the packed template package, as a newcomer starts a docs project: the project it
/// creates builds against serve-model's model, is a no-op the second time, and its pull-request job, run exactly as the
/// workflow has it, verifies the committed summaries with no model at all.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed partial class TemplateBuildTests(PackedFeed feed) : IAsyncLifetime
{
    private OllamaTestServer _ollama = null!;

    public async Task InitializeAsync() => _ollama = await OllamaTestServer.StartAsync();

    public async Task DisposeAsync() => await _ollama.DisposeAsync();

    [Fact]
    public async Task TheDocsTemplate_CreatesAProjectThatBuilds_IsANoOpTheSecondTime_AndPassesItsOwnPullRequestJob()
    {
        var template = PackTemplates();
        Assert.Empty(PackageMetadata.Problems(template));
        var hive = Path.Combine(feed.Root, "template-hive-" + Guid.NewGuid().ToString("N"));
        var install = Dotnet.Run(feed.Root, null, "new", "install", template, "--debug:custom-hive", hive);
        Assert.True(install.ExitCode == 0, install.ToString());

        var project = new ConsumerProject(feed, _ollama, "my-docs");
        var created = Dotnet.Run(project.Directory, null, "new", "gleitzeit-docs", "--no-update-check", "--debug:custom-hive", hive);
        Assert.True(created.ExitCode == 0, created.ToString());
        foreach (var file in new[] { "my-docs.csproj", "docs/getting-started.md", "summaries/README.md", ".gitattributes", ".gitignore", ".github/workflows/docs-summaries.yml" })
        {
            Assert.True(File.Exists(Path.Combine(project.Directory, file)), file + " was not created");
        }

        Assert.Contains($"Include=\"Gleitzeit.Build\" Version=\"{feed.Version}\"", File.ReadAllText(Path.Combine(project.Directory, "my-docs.csproj")), StringComparison.Ordinal);
        var workflow = File.ReadAllText(Path.Combine(project.Directory, ".github", "workflows", "docs-summaries.yml"));
        var pullRequestJob = PullRequestBuild().Match(workflow);
        Assert.True(pullRequestJob.Success, workflow);
        Assert.Equal("my-docs.csproj -p:GleitzeitCacheMode=Locked -p:GleitzeitVerify=true", pullRequestJob.Groups["args"].Value);

        Git(project, "init", "-q");
        var environment = project.Environment();
        environment["OLLAMA_HOST"] = "http://127.0.0.1:9";
        await using (var serveModel = await ServeModel.StartAsync())
        {
            environment["GLEITZEIT_MODEL"] = serveModel.Url;
            var first = Dotnet.Run(project.Directory, environment, "build", "-nr:false", "-v:n");
            Assert.True(first.ExitCode == 0, first.ToString());
            using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(project.Directory, "summaries", "docs-summaries.json"))))
            {
                var result = Assert.Single(json.RootElement.GetProperty("results").EnumerateArray());
                Assert.False(string.IsNullOrWhiteSpace(result.GetProperty("result").GetString()), json.RootElement.ToString());
            }

            Assert.True(File.Exists(Path.Combine(project.Directory, "summaries", "getting-started.summary.md")));
            Git(project, "add", "-A");
            Git(project, "commit", "-q", "-m", "docs and summaries");

            var second = Dotnet.Run(project.Directory, environment, "build", "-nr:false", "-v:n");
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Contains("Skipping target \"GleitzeitRun\" because all output files are up-to-date", second.Output, StringComparison.Ordinal);
        }

        // Committed: the summaries, not bin/ or obj/; the artifacts stay LF in a Windows checkout.
        Assert.Empty(Git(project, "status", "--porcelain"));
        Assert.Contains("summaries/docs-summaries.json", Git(project, "ls-files"), StringComparison.Ordinal);
        Assert.DoesNotContain("obj/", Git(project, "ls-files"), StringComparison.Ordinal);
        Assert.Contains("eol: lf", Git(project, "check-attr", "eol", "summaries/docs-summaries.json"), StringComparison.Ordinal);

        // The pull-request job: a fresh clone, no model server, no model file, no cache.
        var clone = Path.Combine(project.Root, "pr-clone");
        Assert.Equal(0, Dotnet.RunProgram("git", "clone", "-q", project.Directory, clone).ExitCode);
        environment["GLEITZEIT_HOME"] = Path.Combine(project.Root, "ci-home");
        var pullRequest = Dotnet.Run(clone, environment, ["build", "-nr:false", .. pullRequestJob.Groups["args"].Value.Split(' ')]);
        Assert.True(pullRequest.ExitCode == 0, pullRequest.ToString());
        Assert.Empty(_ollama.Requests);

        // A document edited without its summary fails that job, naming the document.
        File.AppendAllText(Path.Combine(clone, "docs", "getting-started.md"), "\nA new paragraph nobody summarized.\n");
        var stale = Dotnet.Run(clone, environment, ["build", "-nr:false", .. pullRequestJob.Groups["args"].Value.Split(' ')]);
        Assert.NotEqual(0, stale.ExitCode);
        Assert.Contains("getting-started.md", stale.Output, StringComparison.Ordinal);
        Assert.Contains("GZ3003", stale.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDocsTemplate_WithGitHubModels_NamesItInTheProjectAndGivesTheWorkflowItsToken()
    {
        var hive = Path.Combine(feed.Root, "template-hive-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(0, Dotnet.Run(feed.Root, null, "new", "install", PackTemplates(), "--debug:custom-hive", hive).ExitCode);
        var output = Path.Combine(feed.Root, "gh-" + Guid.NewGuid().ToString("N"), "team-docs");

        var created = Dotnet.Run(feed.Root, null, "new", "gleitzeit-docs", "--no-update-check", "-o", output, "--provider", "github-models", "--debug:custom-hive", hive);

        Assert.True(created.ExitCode == 0, created.ToString());
        var projectFile = File.ReadAllText(Path.Combine(output, "team-docs.csproj"));
        Assert.Contains("<GleitzeitProvider>github-models</GleitzeitProvider>", projectFile, StringComparison.Ordinal);
        Assert.DoesNotContain("#if", projectFile, StringComparison.Ordinal);
        var workflow = File.ReadAllText(Path.Combine(output, ".github", "workflows", "docs-summaries.yml"));
        Assert.Contains("models: read", workflow, StringComparison.Ordinal);
        Assert.Contains("GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}", workflow, StringComparison.Ordinal);
        Assert.Contains("dotnet build team-docs.csproj", workflow, StringComparison.Ordinal);
        Assert.DoesNotContain("~/.gleitzeit/models", workflow, StringComparison.Ordinal);
    }

    private string PackTemplates()
    {
        var package = feed.Package("Gleitzeit.Templates");
        lock (feed)
        {
            if (!File.Exists(package))
            {
                var repository = RepositoryLayout.Root();
                var result = Dotnet.Run(repository, null, "pack", Path.Combine(repository, "src", "Gleitzeit.Templates"), "-c", RepositoryLayout.Configuration(), $"-p:Version={feed.Version}", "-o", feed.Feed);
                Assert.True(result.ExitCode == 0, result.ToString());
            }
        }

        return package;
    }

    private static string Git(ConsumerProject project, params string[] args)
    {
        var result = Dotnet.RunProgram("git", ["-C", project.Directory, "-c", "user.name=t", "-c", "user.email=t@example.invalid", .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output;
    }

    [GeneratedRegex(@"^      - run: dotnet build (?<args>[^\n]*GleitzeitVerify=true)$", RegexOptions.Multiline)]
    private static partial Regex PullRequestBuild();
}

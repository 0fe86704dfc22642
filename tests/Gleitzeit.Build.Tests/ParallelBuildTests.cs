using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

[Collection(PackedFeedCollection.Name)]
public sealed class ParallelBuildTests(PackedFeed feed) : IAsyncLifetime
{
    private OllamaTestServer _server = null!;

    public async Task InitializeAsync() => _server = await OllamaTestServer.StartAsync(latency: TimeSpan.FromMilliseconds(50));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void TwoProjectsBuiltInParallel_ShareOneCache()
    {
        var first = new ConsumerProject(feed, _server, "First");
        var second = new ConsumerProject(feed, _server, "Second", first.Root);
        foreach (var project in new[] { first, second })
        {
            project.WriteProject("""<GleitzeitBatch Include="docs/*.txt" Batch="notes" Prompt="Summarize" />""");
            for (var i = 0; i < 6; i++)
            {
                project.Write($"docs/note{i}.txt", $"Shared note number {i}.");
            }
        }

        var solution = Dotnet.Run(first.Root, first.Environment(), "new", "sln", "-n", "Both", "--format", "sln");
        Assert.True(solution.ExitCode == 0, solution.ToString());
        Assert.Equal(0, Dotnet.Run(first.Root, first.Environment(), "sln", "Both.sln", "add", "First/First.csproj", "Second/Second.csproj").ExitCode);

        var parallel = Dotnet.Run(first.Root, first.Environment(), "build", "Both.sln", "-m:2", "-nr:false");

        Assert.True(parallel.ExitCode == 0, parallel.ToString());
        Assert.InRange(_server.ChatRequests.Count, 6, 12);
        Assert.All(new[] { first, second }, p => Assert.Contains("\"successful\": 6", File.ReadAllText(p.Artifact("notes.json")), StringComparison.Ordinal));
        _server.ClearLog();

        var again = Dotnet.Run(first.Root, first.Environment(), "build", "Both.sln", "-m:2", "-nr:false", "--no-incremental");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Empty(_server.ChatRequests);
        Assert.Equal(2, again.Output.Split('\n').Count(l => l.Contains("6 items, 6 from cache, 0 sent", StringComparison.Ordinal)));
    }
}

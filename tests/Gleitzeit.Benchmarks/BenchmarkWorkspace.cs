using Gleitzeit.Batch.Configuration;

namespace Gleitzeit.Benchmarks;

/// <summary>A temporary folder of generated files with its own Gleitzeit home.</summary>
internal sealed class BenchmarkWorkspace : IDisposable
{
    public BenchmarkWorkspace(int files, int bytesPerFile)
    {
        Root = Path.Combine(Path.GetTempPath(), "gleitzeit-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Docs);
        var line = "The quick brown fox jumps over the lazy dog. ";
        for (var i = 0; i < files; i++)
        {
            var header = $"Document {i}\n";
            var body = string.Concat(Enumerable.Repeat(line, Math.Max(1, (bytesPerFile - header.Length) / line.Length)));
            File.WriteAllText(Path.Combine(Docs, $"doc{i:00000}.txt"), header + body);
        }
    }

    public string Root { get; }

    public string Docs => Path.Combine(Root, "docs");

    public string Home => Path.Combine(Root, "home");

    public BatchSettings Settings(string endpoint, int concurrency) => new()
    {
        Endpoint = endpoint,
        MaxConcurrent = concurrency,
        CacheDirectory = Path.Combine(Home, "cache"),
        ResultsDirectory = Path.Combine(Home, "batch_results"),
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

using Gleitzeit.Batch.Configuration;

namespace Gleitzeit.Batch.Tests;

/// <summary>A temporary directory with its own Gleitzeit home, cache and results, removed afterwards.</summary>
public sealed class TestWorkspace : IDisposable
{
    public TestWorkspace()
    {
        Root = Path.Combine(Path.GetTempPath(), "gleitzeit-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        Docs = Path.Combine(Root, "docs");
        Directory.CreateDirectory(Docs);
    }

    public string Root { get; }

    public string Docs { get; }

    public string Home => Path.Combine(Root, "home");

    public string CacheDirectory => Path.Combine(Home, "cache");

    public string ResultsDirectory => Path.Combine(Home, "batch_results");

    public BatchSettings Settings(string endpoint) => new()
    {
        Endpoint = endpoint,
        CacheDirectory = CacheDirectory,
        ResultsDirectory = ResultsDirectory,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryAttempts = 2,
        FirstChunkTimeout = TimeSpan.FromSeconds(20),
        IdleTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Writes a UTF-8 file under <see cref="Docs"/> and returns its full path.</summary>
    public string Write(string relative, string content)
    {
        var path = Path.Combine(Docs, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public string WriteBytes(string relative, byte[] content)
    {
        var path = Path.Combine(Docs, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

namespace Gleitzeit.Batch.Results;

/// <summary>Where a batch ran, kept in its record so that a resume runs it the same way from anywhere.</summary>
public sealed record BatchOrigin
{
    /// <summary>The provider (<c>ollama</c>, <c>openai</c>, <c>local</c>…).</summary>
    public string? Provider { get; init; }

    /// <summary>The server's address with its secrets masked; for the local provider, a description.</summary>
    public string? Endpoint { get; init; }

    /// <summary>The name of the environment variable the API key was read from (never the key).</summary>
    public string? ApiKeyVariable { get; init; }

    /// <summary>Where downloaded local models are kept.</summary>
    public string? ModelsDirectory { get; init; }

    /// <summary>The directory relative model paths were resolved against.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>How it runs (<see cref="Configuration.RunSettings"/>): retries, timeouts, concurrency… by key, as text.</summary>
    public SortedDictionary<string, string>? RunSettings { get; init; }
}

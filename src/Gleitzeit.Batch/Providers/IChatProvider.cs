namespace Gleitzeit.Batch.Providers;

/// <summary>A model server. Ollama is the default; others can follow behind this interface.</summary>
public interface IChatProvider : IDisposable
{
    /// <summary>The server address for messages and records: credentials and secret query values redacted.</summary>
    string Endpoint { get; }

    /// <summary>What the server says of <paramref name="model"/>: the digest of its weights (so a re-pulled model invalidates the cache) and its context length.</summary>
    /// <exception cref="ChatProviderException">The model is not on the server, the server cannot be reached, or it did not answer in time.</exception>
    Task<ModelInfo> GetModelInfoAsync(string model, CancellationToken cancellationToken);

    /// <summary>Runs one chat generation to its end.</summary>
    /// <exception cref="ChatProviderException">The call failed; see its classification.</exception>
    Task<ChatCompletion> CompleteAsync(ChatCall call, CancellationToken cancellationToken);
}

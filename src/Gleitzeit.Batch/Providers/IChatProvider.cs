namespace Gleitzeit.Batch.Providers;

/// <summary>A model server. Ollama is the default; others can follow behind this interface.</summary>
public interface IChatProvider : IDisposable
{
    /// <summary>The server address for messages and records: credentials and secret query values redacted.</summary>
    string Endpoint { get; }

    /// <summary>
    /// Who answers, for cache keys: null where the model's digest already pins the weights (Ollama), else the service
    /// (kind and normalized address), since the same model name means different weights on different services.
    /// </summary>
    string? ServiceIdentity { get; }

    /// <summary>Whether the server cuts an over-long prompt without an error (Ollama): then prompts are fitted to its context window.</summary>
    bool TruncatesSilently { get; }

    /// <summary>How many servers stand behind this provider: each takes <c>max_concurrent</c> calls at once.</summary>
    int Servers { get; }

    /// <summary>How many calls it can serve at once, whatever <c>max_concurrent</c> says (the local model: one).</summary>
    int MaxInFlight => int.MaxValue;

    /// <summary>Whether calls go to a server that may refuse them all (a wrong key, model or address): then the first call of a model goes alone until the server has shown it takes them.</summary>
    bool CanRefuse => true;

    /// <summary>A model name as this server resolves it (Ollama adds the <c>:latest</c> tag).</summary>
    string NormalizeModel(string model);

    /// <summary>The model's name in cache keys: as resolved, except where the digest alone names the weights (the local model's file may move).</summary>
    string KeyModelName(string model) => NormalizeModel(model);

    /// <summary>What is known of a model without asking a server or reading much (the local model's pinned or memoized digest); null when nothing is.</summary>
    ModelInfo? KnownModelInfo(string model) => null;

    /// <summary>What the server says of <paramref name="model"/>: the digest of its weights (so a re-pulled model invalidates the cache) and its context length.</summary>
    /// <exception cref="ChatProviderException">The model is not on the server, the server cannot be reached, or it did not answer in time.</exception>
    Task<ModelInfo> GetModelInfoAsync(string model, CancellationToken cancellationToken);

    /// <summary>Runs one chat generation to its end.</summary>
    /// <exception cref="ChatProviderException">The call failed; see its classification.</exception>
    Task<ChatCompletion> CompleteAsync(ChatCall call, CancellationToken cancellationToken);
}

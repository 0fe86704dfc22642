using System.Text.Json.Nodes;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Providers;

/// <summary>A model server. Ollama is the default; others can follow behind this interface.</summary>
public interface IChatProvider : IDisposable
{
    /// <summary>The server address, for messages.</summary>
    string Endpoint { get; }

    /// <summary>The digest of the weights behind <paramref name="model"/>, so a re-pulled model invalidates the cache.</summary>
    /// <exception cref="ChatProviderException">The model is not on the server, or the server cannot be reached.</exception>
    Task<string?> GetModelDigestAsync(string model, CancellationToken cancellationToken);

    /// <summary>Runs one chat generation to its end.</summary>
    /// <exception cref="ChatProviderException">The call failed; see its classification.</exception>
    Task<ChatCompletion> CompleteAsync(ChatCall call, CancellationToken cancellationToken);
}

/// <summary>One chat generation to run.</summary>
/// <param name="Model">Model name, tag included.</param>
/// <param name="Messages">Exactly what the model receives.</param>
/// <param name="Options">Generation options by wire name.</param>
/// <param name="Format"><c>"json"</c>, a JSON schema, or null.</param>
/// <param name="Timeouts">Our limits; the HTTP client itself has none.</param>
public sealed record ChatCall(string Model, IReadOnlyList<ComposedMessage> Messages, JsonObject? Options, JsonNode? Format, ChatTimeouts Timeouts);

/// <summary>Limits on one streamed generation.</summary>
/// <param name="FirstChunk">Wait for the first chunk (server queue and model load included).</param>
/// <param name="Idle">Silence allowed between chunks.</param>
/// <param name="Generation">From the first chunk to the last.</param>
public sealed record ChatTimeouts(TimeSpan FirstChunk, TimeSpan Idle, TimeSpan Generation);

/// <summary>A finished generation.</summary>
public sealed record ChatCompletion(string Text, TokenCounts Tokens, ModelDurations Durations, string? DoneReason);

using System.Collections.Concurrent;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Providers;
using Polly;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// What stands behind each model: the digest of its weights and its context length. Keys first use what the cache
/// directory remembers from the last contact; once something must be sent, the server is asked (once per model per
/// run, within the request timeout and its retries) while the first items are already on their way, and results are
/// stored under the digest the server reported.
/// </summary>
internal sealed class ModelCatalog(IChatProvider provider, CacheStore? cache, ArtifactAnswers? artifact, CachePolicy policy, ResiliencePipeline retries, Action<string, string?> warn)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ModelMemo?>>> _verified = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _answered = new(StringComparer.Ordinal);

    /// <summary>
    /// What the provider knows of a model without asking (the local model's file digest), else what the cache directory
    /// remembers, else the digest the committed artifact recorded (its last resort: no cache, no server), or null.
    /// </summary>
    public ModelMemo? Remembered(string model)
    {
        if (provider.KnownModelInfo(model) is { } known)
        {
            return new ModelMemo { Digest = known.Digest, ContextLength = known.ContextLength };
        }

        if (!policy.Serves)
        {
            return null;
        }

        var name = provider.NormalizeModel(model);
        return cache?.GetRememberedModel(name) ?? (artifact?.DigestOf(name) is { } recorded ? new ModelMemo { Digest = recorded } : null);
    }

    /// <summary>What the server says of a model, asked once; remembered when it changed and the cache is written.</summary>
    /// <exception cref="ChatProviderException">The model is missing or the server unreachable: the batch stops.</exception>
    public Task<ModelMemo?> VerifyAsync(string model, CancellationToken cancellationToken) =>
        _verified.GetOrAdd(model, m => new Lazy<Task<ModelMemo?>>(() => FetchAsync(m, cancellationToken))).Value;

    /// <summary>Whether the server itself answered about a model in this run (not the cache's memory standing in for it).</summary>
    public bool ServerAnswered(string model) => _answered.ContainsKey(model);

    /// <summary>The digest the server reported for a model in this run, when it has answered already.</summary>
    public string? VerifiedDigest(string model, out bool known)
    {
        known = _verified.TryGetValue(model, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result is not null;
        return known ? lazy!.Value.Result!.Digest : null;
    }

    private async Task<ModelMemo?> FetchAsync(string model, CancellationToken cancellationToken)
    {
        ModelInfo info;
        try
        {
            info = await retries.RunAsync(token => provider.GetModelInfoAsync(model, token), cancellationToken);
        }
        catch (ChatProviderException ex) when (!ex.StopsBatch)
        {
            // The model list failed where chats may not: keep to what was seen last.
            warn($"could not ask {provider.Endpoint} about model '{model}' ({ex.Message}); using what the cache remembers of it", null);
            return Remembered(model);
        }

        var memo = new ModelMemo { Digest = info.Digest, ContextLength = info.ContextLength };
        _answered[model] = true;
        if (policy.Stores && cache is not null)
        {
            try
            {
                cache.RememberModel(provider.NormalizeModel(model), memo);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                warn($"{cache.Directory}: the cache could not be written ({ex.Message}); answers are kept in the batch record and outputs, but a later run will send them again", DiagnosticCodes.OutputWriteFailed);
            }
        }

        return memo;
    }
}

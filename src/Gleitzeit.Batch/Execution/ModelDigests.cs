using System.Collections.Concurrent;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Providers;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// Which weights stand behind each model. Keys first use the digest remembered from the last contact;
/// once something must be sent, the server is asked (once per model per run) while the first items are
/// already on their way, and results are stored under the digest the server reported.
/// </summary>
internal sealed class ModelDigests(IChatProvider provider, CacheStore? cache, BatchSettings settings, Action<ChatProviderException, int, TimeSpan, string?> onRetry)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string?>>> _verified = new(StringComparer.Ordinal);

    /// <summary>The digest remembered for a model, or null.</summary>
    public string? Remembered(string model) => cache?.GetRememberedDigest(ModelNames.Normalize(model));

    /// <summary>The server's digest for a model, asked once; remembered when it changed and the cache is writable.</summary>
    public Task<string?> VerifyAsync(string model, CancellationToken cancellationToken) =>
        _verified.GetOrAdd(model, m => new Lazy<Task<string?>>(() => FetchAsync(m, cancellationToken))).Value;

    private async Task<string?> FetchAsync(string model, CancellationToken cancellationToken)
    {
        var pipeline = RetryPipeline.Create(settings, onRetry);
        string? digest;
        try
        {
            digest = await pipeline.ExecuteAsync(async token => await provider.GetModelDigestAsync(model, token), cancellationToken);
        }
        catch (ChatProviderException ex) when (!ex.StopsBatch)
        {
            // The model list failed where chats may not: keep to the digest last seen.
            return Remembered(model);
        }

        if (digest is not null && settings.CacheMode == CacheMode.ReadWrite && digest != Remembered(model))
        {
            cache?.RememberDigest(ModelNames.Normalize(model), digest);
        }

        return digest;
    }
}

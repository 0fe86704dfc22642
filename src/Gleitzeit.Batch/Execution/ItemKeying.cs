using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Providers;

namespace Gleitzeit.Batch.Execution;

/// <summary>Reads items and works out their cache keys, keeping only hashes in memory.</summary>
internal static class ItemKeying
{
    /// <summary>Keys for <paramref name="items"/>, with each model's digest from <paramref name="digestOf"/>.</summary>
    public static async Task<List<ItemKey>> ComputeAsync(BatchPlan plan, IEnumerable<BatchItem> items, CacheStore? cache, Func<string, string?> digestOf, CancellationToken cancellationToken)
    {
        var keys = items.Select(i => new ItemKey { Item = i, Template = plan.Templates[i.Template] }).ToList();
        if (cache is null)
        {
            return keys;
        }

        var digests = keys.Select(k => k.Model).Distinct(StringComparer.Ordinal).ToDictionary(m => m, digestOf, StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            keys,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            async (key, token) =>
            {
                try
                {
                    var (messages, input) = await ComposeAsync(key, token);
                    key.Key = KeyOf(key, messages, input, digests[key.Model]);
                    key.LooksCached = cache.Contains(key.Key.Value);
                }
                catch (InvalidInputException ex)
                {
                    key.Error = ex.Message;
                    key.ErrorCode = DiagnosticCodes.InvalidFileFormat;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    key.Error = $"cannot read {key.Item.FullPath}: {ex.Message}";
                    key.ErrorCode = DiagnosticCodes.FileNotFound;
                }
            });
        return keys;
    }

    /// <summary>The key of an item whose messages are composed, for a given model digest.</summary>
    public static CacheKey KeyOf(ItemKey key, IReadOnlyList<ComposedMessage> messages, LoadedInput? input, string? digest) =>
        CacheKey.Compute(
            messages,
            ModelNames.Normalize(key.Model),
            digest,
            key.Template.Options,
            key.Template.Format,
            key.Item.FullPath is null ? null : key.Item.File,
            input?.ContentSha256,
            key.Template.MessagesHash);

    /// <summary>Reads the item's file (when it has one) and composes what the model receives.</summary>
    public static async Task<(IReadOnlyList<ComposedMessage> Messages, LoadedInput? Input)> ComposeAsync(ItemKey key, CancellationToken cancellationToken)
    {
        var input = key.Item.FullPath is null ? null : await InputLoader.LoadAsync(key.Item.FullPath, key.Template.Vision, cancellationToken);
        return (MessageComposer.Compose(key.Template.Messages, key.Item.File, input), input);
    }
}

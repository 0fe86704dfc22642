using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Providers;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// Says what a run would do, item by item, without contacting the server: keys use what the cache directory remembers
/// of each model, so a model pulled since the last contact shows as cached here.
/// </summary>
internal static class BatchPreview
{
    public static async Task<IReadOnlyList<ItemPreview>> PreviewAsync(BatchPlan plan, BatchSettings settings, CacheStore? cache, CancellationToken cancellationToken)
    {
        var policy = new CachePolicy(settings.CacheMode);
        var readable = policy.Serves ? cache : null;
        var previews = new List<ItemPreview>();
        foreach (var item in plan.Items.Where(i => i.Problem is not null))
        {
            previews.Add(new ItemPreview(item.File, item.Problem!.IsSkip ? PreviewAction.Skip : PreviewAction.Fail, item.Problem.Message));
        }

        var misses = readable is null ? null : new MissIndex(readable, plan);
        var scope = KeyScope.Of(settings);
        ModelMemo? Remembered(string m) => ChatProviders.KnownModelInfo(settings, m) is { } known ? new ModelMemo { Digest = known.Digest, ContextLength = known.ContextLength } : readable?.GetRememberedModel(scope.NormalizeModel(m));
        var keys = await ItemKeying.ComputeAsync(plan, plan.Items.Where(i => i.Problem is null), new AnswerTiers(null, readable), settings, scope, Remembered, kept: null, cancellationToken);
        foreach (var key in keys)
        {
            if (!key.CanBeSent)
            {
                previews.Add(new ItemPreview(key.Item.File, key.IsSkip ? PreviewAction.Skip : PreviewAction.Fail, key.Error));
            }
            else if (key.LooksCached)
            {
                previews.Add(new ItemPreview(key.Item.File, PreviewAction.Cached, null) { Judge = policy.Sends && NeedsVerdict(key, readable, scope, Remembered) });
            }
            else
            {
                var reasons = misses is null ? "cache off" : string.Join("; ", misses.Explain(key.Item.File, key.Key!));
                previews.Add(policy.Sends
                    ? new ItemPreview(key.Item.File, PreviewAction.Send, reasons) { Judge = key.Template.Review?.Judge is not null }
                    : new ItemPreview(key.Item.File, PreviewAction.Fail, "cache miss in Locked mode: " + reasons));
            }
        }

        return [.. previews.OrderBy(p => p.File, StringComparer.Ordinal)];
    }

    // A cached answer is judged unless a verdict on it, by this rubric and judge model, is cached too.
    private static bool NeedsVerdict(ItemWork hit, CacheStore? cache, KeyScope scope, Func<string, ModelMemo?> remembered)
    {
        if (hit.Template.Review is not { Judge: { } rubric } review)
        {
            return false;
        }

        if (cache?.TryGet(hit.Key!.Value) is not { } answer)
        {
            return true;
        }

        var model = review.JudgeModel ?? hit.Template.Model;
        var key = JudgeRequest.Key(answer.Key, answer.Response, rubric, scope.KeyModel(model), remembered(model)?.Digest, scope.Service);
        return !cache.Contains(key.Value);
    }
}

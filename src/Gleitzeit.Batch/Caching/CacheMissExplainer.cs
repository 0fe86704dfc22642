using System.Text.Json.Nodes;

namespace Gleitzeit.Batch.Caching;

/// <summary>Says why an item missed: which key input differs from the key its previous run recorded.</summary>
public static class CacheMissExplainer
{
    /// <summary>
    /// Human-readable reasons, e.g. <c>content changed</c>, <c>prompt changed</c>, <c>option 'temperature' changed (0.2 → 0.7)</c>.
    /// </summary>
    /// <param name="previous">The entry the same item hit or wrote last time; null when there is none.</param>
    /// <param name="previousKey">The key the previous run recorded for the item; null for a new item.</param>
    /// <param name="current">The key computed now.</param>
    public static IReadOnlyList<string> Explain(CacheEntry? previous, string? previousKey, CacheKey current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (previousKey is null)
        {
            return ["new item: not in the previous run of this batch"];
        }

        if (previousKey == current.Value)
        {
            return previous is null ? ["no result stored: the previous run failed, or the entry was pruned"] : [];
        }

        if (previous is null)
        {
            return ["the previous run's result is no longer in the cache (pruned or cleared)"];
        }

        var reasons = new List<string>();
        var before = previous.Inputs;
        var now = current.Inputs;
        Compare(reasons, "cache schema", before["schema"], now["schema"]);
        Compare(reasons, "service", before["service"], now["service"]);
        Compare(reasons, "model", before["model"], now["model"]);
        if (Same(before["model"], now["model"]))
        {
            Compare(reasons, "model digest (the model was pulled again)", before["model_digest"], now["model_digest"], showValues: false);
        }

        var oldOptions = before["options"] as JsonObject ?? [];
        var newOptions = now["options"] as JsonObject ?? [];
        foreach (var name in oldOptions.Select(p => p.Key).Union(newOptions.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            Compare(reasons, $"option '{name}'", oldOptions[name], newOptions[name]);
        }

        Compare(reasons, "output format", before["format"], now["format"]);

        var oldSource = previous.Source ?? [];
        var newSource = current.Source;
        if (!Same(oldSource["template_sha256"], newSource["template_sha256"]))
        {
            reasons.Add("prompt changed");
        }

        if (!Same(oldSource["content_sha256"], newSource["content_sha256"]))
        {
            reasons.Add("content changed");
        }

        if (reasons.Count == 0)
        {
            reasons.Add("messages changed");
        }

        return reasons;
    }

    private static void Compare(List<string> reasons, string what, JsonNode? before, JsonNode? now, bool showValues = true)
    {
        if (Same(before, now))
        {
            return;
        }

        reasons.Add(showValues ? $"{what} changed ({Show(before)} → {Show(now)})" : $"{what} changed");
    }

    private static bool Same(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    private static string Show(JsonNode? node) => node is null ? "unset" : node.ToJsonString();
}

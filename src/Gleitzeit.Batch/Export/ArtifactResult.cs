using System.Text.Json.Nodes;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Export;

/// <summary>
/// A result as a committed artifact records it: only what its input, prompt and settings determine, so the artifact
/// changes only when one of them (or an answer) does. A failed or skipped item took no time worth committing (its
/// time varies from build to build), and a model given as a URL is named by its file name, never its server.
/// </summary>
internal static class ArtifactResult
{
    /// <summary>
    /// <paramref name="result"/> as the artifact shows it (the same instance when nothing differs). Its OutputFile is named
    /// relative to <paramref name="root"/>, <c>/</c>-separated (no machine's path in a committed file), or left out.
    /// </summary>
    public static ItemResult Of(ItemResult result, string? root = null)
    {
        var time = result.Status == ItemResult.Success ? result.ProcessingTime : 0;
        var model = result.Model is null ? null : ModelNames.Display(result.Model);
        var outputFile = result.OutputFile is null || root is null || !Contract.ItemRules.IsInside(root, result.OutputFile)
            ? null
            : Path.GetRelativePath(root, result.OutputFile).Replace('\\', '/');
        // Where a verdict came from and what this run paid for it vary from build to build: not committed.
        var checks = result.Checks is null or { JudgeSource: null, JudgeTokens: null } ? result.Checks : result.Checks with { JudgeSource = null, JudgeTokens = null };
        if (time.Equals(result.ProcessingTime) && string.Equals(model, result.Model, StringComparison.Ordinal) && string.Equals(outputFile, result.OutputFile, StringComparison.Ordinal)
            && result.Reasoning is null && ReferenceEquals(checks, result.Checks))
        {
            return result;
        }

        return result with
        {
            ProcessingTime = time,
            Model = model,
            OutputFile = outputFile,
            Reasoning = null,
            Checks = checks,
        };
    }

    /// <summary>The parameters with their <c>model</c> named as <see cref="ModelNames.Display"/> does.</summary>
    public static JsonObject Parameters(JsonObject parameters)
    {
        var copy = (JsonObject)parameters.DeepClone();
        if (copy["model"] is JsonValue value && value.TryGetValue<string>(out var model))
        {
            copy["model"] = ModelNames.Display(model);
        }

        return copy;
    }
}

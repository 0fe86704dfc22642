using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Planning;

namespace Gleitzeit.Batch.Builds;

/// <summary>
/// Turns a build manifest's items into one batch plan per <c>Batch</c> name. Every item is checked first (the same rules
/// as the MSBuild task), so a build with an invalid item fails before any model call, and keeps failing until it is fixed.
/// </summary>
public static class BuildPlanner
{
    /// <summary>The plans, ordered by batch name, and the problems of items that cannot run.</summary>
    public static (IReadOnlyList<BatchPlan> Plans, IReadOnlyList<Diagnostic> Errors) Plan(BuildManifest manifest, PlanBuilder plans)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(plans);
        var errors = new List<Diagnostic>();
        var result = new List<BatchPlan>();
        var defaultBatch = Path.GetFileNameWithoutExtension(manifest.ProjectFile);
        foreach (var group in manifest.Items.GroupBy(i => i.Get(BuildContract.Metadata.Batch) is { Length: > 0 } b ? b : defaultBatch).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var templates = new List<PromptTemplate>();
            var templateIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            var items = new List<BatchItem>();
            var discovered = plans.Discover(new DiscoveryRequest
            {
                Root = manifest.ProjectDirectory,
                Files = [.. group.Select(i => i.Path)],
            });
            var byPath = discovered.ToDictionary(f => f.FullPath, StringComparer.Ordinal);
            foreach (var item in group.DistinctBy(i => Path.GetFullPath(i.Path), StringComparer.Ordinal))
            {
                var template = Template(manifest, plans, item, group.Key, errors);
                if (template is null)
                {
                    continue;
                }

                if (!templateIndex.TryGetValue(template.Identity, out var index))
                {
                    index = templates.Count;
                    templates.Add(template);
                    templateIndex[template.Identity] = index;
                }

                if (!byPath.TryGetValue(Path.GetFullPath(item.Path), out var file))
                {
                    // A file the build writes itself: never an input.
                    continue;
                }

                var outputFile = item.Get(BuildContract.Metadata.OutputFile);
                items.Add(new BatchItem
                {
                    File = file.RelativePath,
                    FullPath = file.FullPath,
                    Template = index,
                    Problem = file.Problem,
                    OutputFile = outputFile.Length == 0 ? null : Path.GetFullPath(Path.Combine(manifest.ProjectDirectory, outputFile)),
                });
            }

            if (items.Count == 0)
            {
                continue;
            }

            var parameters = new JsonObject
            {
                ["batch"] = group.Key,
                ["model"] = templates.Select(t => t.Model).Distinct(StringComparer.Ordinal).Count() == 1 ? templates[0].Model : "(per item)",
            };
            result.Add(new BatchPlan
            {
                Name = group.Key,
                Source = BatchSource.Build,
                Root = Path.GetFullPath(manifest.ProjectDirectory),
                Parameters = parameters,
                Templates = templates,
                Items = [.. items.OrderBy(i => i.File, StringComparer.Ordinal)],
                Warnings = discovered.Warnings.Count > 0 ? discovered.Warnings : null,
            });
        }

        return (result, errors);
    }

    private static PromptTemplate? Template(BuildManifest manifest, PlanBuilder plans, BuildItem item, string batch, List<Diagnostic> errors)
    {
        var problems = ItemRules.Check(name => name == BuildContract.Metadata.Batch ? batch : item.Get(name), manifest.ProjectDirectory);
        foreach (var (code, message) in problems)
        {
            errors.Add(Diagnostic.Error(code, item.Path, message));
        }

        if (problems.Count > 0)
        {
            return null;
        }

        var options = new JsonObject();
        if (item.Get(BuildContract.Metadata.Temperature) is { Length: > 0 } temperature)
        {
            options["temperature"] = double.Parse(temperature, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        if (item.Get(BuildContract.Metadata.Seed) is { Length: > 0 } seed)
        {
            options["seed"] = long.Parse(seed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        JsonNode? format = null;
        if (item.Get(BuildContract.Metadata.Format) is { Length: > 0 } formatText)
        {
            if (string.Equals(formatText, "json", StringComparison.OrdinalIgnoreCase))
            {
                format = "json";
            }
            else
            {
                var schemaPath = Path.GetFullPath(Path.Combine(manifest.ProjectDirectory, formatText));
                try
                {
                    format = JsonNode.Parse(File.ReadAllText(schemaPath)) ?? throw new JsonException("the file holds null");
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
                {
                    errors.Add(Diagnostic.Error(DiagnosticCodes.InvalidSetting, item.Path, $"invalid value '{formatText}' for Format: expected json, or a readable JSON schema file ({ex.Message})"));
                    return null;
                }
            }
        }

        var system = item.Get(BuildContract.Metadata.SystemPrompt);
        var longDocuments = item.Get(BuildContract.Metadata.LongDocuments).Trim();
        var split = longDocuments.Length == 0 ? (bool?)null : string.Equals(longDocuments, "split", StringComparison.OrdinalIgnoreCase);
        var prompt = item.Get(BuildContract.Metadata.Prompt);
        if (item.Get(BuildContract.Metadata.PromptFile) is { Length: > 0 } promptFile)
        {
            try
            {
                prompt = PromptFiles.Read(Path.GetFullPath(Path.Combine(manifest.ProjectDirectory, promptFile)));
            }
            catch (PromptFileException ex)
            {
                errors.Add(Diagnostic.Error(ex.Code, ex.Path, ex.Message));
                return null;
            }
        }

        var review = Review(plans.Settings, item);
        if (review?.Contradiction is { } contradiction)
        {
            errors.Add(Diagnostic.Error(DiagnosticCodes.InvalidSetting, item.Path, $"the item's checks contradict each other: {contradiction}"));
            return null;
        }

        if (review is { RequireJson: true } && Batch.Review.AnswerChecks.SchemaProblem(format) is { } schemaProblem)
        {
            errors.Add(Diagnostic.Error(DiagnosticCodes.InvalidSetting, item.Path, $"invalid JSON schema '{item.Get(BuildContract.Metadata.Format)}' for Format, which RequireJson checks answers against: {schemaProblem}"));
            return null;
        }

        return plans.Template(prompt, system, item.Vision, item.Get(BuildContract.Metadata.Model), options, format, split, review);
    }

    // The item's review metadata over the settings' checks and judge (config file, properties): null when nothing is checked.
    private static Review.ReviewSpec? Review(Configuration.BatchSettings settings, BuildItem item)
    {
        foreach (var (name, setting) in BuildContract.Metadata.Review)
        {
            if (item.Get(name).Trim() is { Length: > 0 } value && SettingParser.TryParse(setting, value, DateTimeOffset.Now, out var parsed, out _))
            {
                settings = settings.With(setting, parsed, SettingLayer.MSBuild);
            }
        }

        return settings.Review;
    }
}

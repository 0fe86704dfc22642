using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Builds;

/// <summary>Turns a build manifest's items into one batch plan per <c>Batch</c> name, reporting items that cannot run.</summary>
public static class BuildPlanner
{
    /// <summary>The plans, ordered by batch name, and the errors of items left out.</summary>
    public static (IReadOnlyList<BatchPlan> Plans, IReadOnlyList<BuildDiagnostic> Errors) Plan(BuildManifest manifest, BatchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<BuildDiagnostic>();
        var plans = new List<BatchPlan>();
        var defaultBatch = Path.GetFileNameWithoutExtension(manifest.ProjectFile);
        foreach (var group in manifest.Items.GroupBy(i => i.Get("Batch") is { Length: > 0 } b ? b : defaultBatch).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var templates = new List<PromptTemplate>();
            var templateIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            var items = new List<BatchItem>();
            var discovered = FileDiscovery.Discover(new DiscoveryRequest
            {
                Root = manifest.ProjectDirectory,
                Files = [.. group.Select(i => i.Path)],
                MaxFileSize = settings.MaxFileSize,
            }).ToDictionary(f => f.FullPath, StringComparer.Ordinal);
            foreach (var item in group.DistinctBy(i => Path.GetFullPath(i.Path), StringComparer.Ordinal))
            {
                var template = Template(manifest, settings, item, errors);
                if (template is null)
                {
                    continue;
                }

                var identity = CanonicalJsonKey(template);
                if (!templateIndex.TryGetValue(identity, out var index))
                {
                    index = templates.Count;
                    templates.Add(template);
                    templateIndex[identity] = index;
                }

                var file = discovered[Path.GetFullPath(item.Path)];
                var outputFile = item.Get("OutputFile");
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
                ["prompt"] = templates.Select(t => t.Messages[^1].Content).Distinct(StringComparer.Ordinal).Count() == 1 ? templates[0].Messages[^1].Content : "(per item)",
                ["model"] = templates.Select(t => t.Model).Distinct(StringComparer.Ordinal).Count() == 1 ? templates[0].Model : "(per item)",
            };
            plans.Add(new BatchPlan
            {
                Name = group.Key,
                Source = BatchSource.Build,
                Root = Path.GetFullPath(manifest.ProjectDirectory),
                Parameters = parameters,
                Templates = templates,
                Items = [.. items.OrderBy(i => i.File, StringComparer.Ordinal)],
            });
        }

        return (plans, errors);
    }

    private static PromptTemplate? Template(BuildManifest manifest, BatchSettings settings, BuildItem item, List<BuildDiagnostic> errors)
    {
        var prompt = item.Get("Prompt");
        if (prompt.Length == 0)
        {
            errors.Add(new BuildDiagnostic(true, DiagnosticCodes.MissingPrompt, item.Path, "GleitzeitBatch item has no Prompt: add Prompt=\"…\" to the item or to an ItemDefinitionGroup"));
            return null;
        }

        var options = new JsonObject();
        if (item.Get("Temperature") is { Length: > 0 } temperature)
        {
            if (!BuildItem.TryNumber(temperature, out var value) || value < 0)
            {
                errors.Add(new BuildDiagnostic(true, DiagnosticCodes.InvalidSetting, item.Path, $"Temperature '{temperature}' is not a number such as 0.2"));
                return null;
            }

            options["temperature"] = value;
        }

        if (item.Get("Seed") is { Length: > 0 } seed)
        {
            if (!long.TryParse(seed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                errors.Add(new BuildDiagnostic(true, DiagnosticCodes.InvalidSetting, item.Path, $"Seed '{seed}' is not a whole number"));
                return null;
            }

            options["seed"] = value;
        }

        JsonNode? format = null;
        if (item.Get("Format") is { Length: > 0 } formatText)
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
                    format = JsonNode.Parse(File.ReadAllText(schemaPath));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
                {
                    errors.Add(new BuildDiagnostic(true, DiagnosticCodes.InvalidSetting, item.Path, $"Format '{formatText}' is neither 'json' nor a readable JSON schema file ({schemaPath}: {ex.Message})"));
                    return null;
                }
            }
        }

        var vision = item.Vision;
        var model = item.Get("Model") is { Length: > 0 } m ? m : vision ? settings.VisionModel : settings.Model;
        var system = item.Get("SystemPrompt");
        return new PromptTemplate
        {
            Messages = PromptMessage.FromPrompt(prompt, system.Length == 0 ? null : system),
            Model = model,
            Vision = vision,
            Options = options.Count == 0 ? null : options,
            Format = format,
        };
    }

    private static string CanonicalJsonKey(PromptTemplate template) =>
        JsonSerializer.Serialize([.. template.Messages.Select(m => new[] { m.Role, m.Content })], GleitzeitJsonContext.Default.StringArrayArray) + "\0" + template.Model + "\0" + template.Vision
        + "\0" + template.Options?.ToJsonString() + "\0" + template.Format?.ToJsonString();
}

using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Gleitzeit.Batch.Discovery;

namespace Gleitzeit.Batch.Planning;

/// <summary>Everything a batch will do: its items, the prompt templates they use, and the parameters it reports.</summary>
public sealed class BatchPlan
{
    /// <summary>Stable name (the MSBuild <c>Batch</c> metadata, a workflow task); null for an ad-hoc CLI batch.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("source")]
    public BatchSource Source { get; init; } = BatchSource.Cli;

    /// <summary>Directory that item names are relative to.</summary>
    [JsonPropertyName("root")]
    public required string Root { get; init; }

    /// <summary>
    /// What exports show under <c>parameters</c> besides the prompt (model, directory…), in order. The prompt is not
    /// repeated here: it is in <see cref="Templates"/>, and <see cref="ExportParameters"/> puts it first.
    /// </summary>
    [JsonPropertyName("parameters")]
    public JsonObject Parameters { get; init; } = [];

    [JsonPropertyName("templates")]
    public required IReadOnlyList<PromptTemplate> Templates { get; init; }

    [JsonPropertyName("items")]
    public required IReadOnlyList<BatchItem> Items { get; init; }

    /// <summary>What discovery left out and why (unreadable directories, symbolic link loops); null when nothing.</summary>
    [JsonPropertyName("warnings")]
    public IReadOnlyList<string>? Warnings { get; init; }

    /// <summary>The prompt every item is asked with, or <c>(per item)</c> when the templates differ.</summary>
    [JsonIgnore]
    public string Prompt =>
        Templates.Select(t => t.Prompt).Distinct(StringComparer.Ordinal).Count() == 1 ? Templates[0].Prompt : "(per item)";

    /// <summary>The exports' <c>parameters</c>: the prompt first, then <see cref="Parameters"/>.</summary>
    [JsonIgnore]
    public JsonObject ExportParameters
    {
        get
        {
            var parameters = new JsonObject { ["prompt"] = Prompt };
            foreach (var (name, value) in Parameters)
            {
                if (name != "prompt")
                {
                    parameters[name] = value?.DeepClone();
                }
            }

            return parameters;
        }
    }

    /// <summary>This plan with other templates (in the same order: items keep their indexes).</summary>
    public BatchPlan WithTemplates(IReadOnlyList<PromptTemplate> templates) => new()
    {
        Name = Name,
        Source = Source,
        Root = Root,
        Parameters = Parameters,
        Templates = templates,
        Items = Items,
        Warnings = Warnings,
    };

    /// <summary>Builds a plan where every discovered file uses one template.</summary>
    public static BatchPlan ForFiles(string root, IReadOnlyList<DiscoveredFile> files, PromptTemplate template, JsonObject parameters, BatchSource source, string? name = null) =>
        new()
        {
            Name = name,
            Source = source,
            Root = Path.GetFullPath(root),
            Parameters = parameters,
            Templates = [template],
            Items = [.. files.Select(f => new BatchItem { File = f.RelativePath, FullPath = f.FullPath, Problem = f.Problem })],
            Warnings = files is DiscoveryResult { Warnings.Count: > 0 } result ? result.Warnings : null,
        };
}

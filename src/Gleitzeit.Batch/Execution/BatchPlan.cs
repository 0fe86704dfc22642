using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Execution;

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

    /// <summary>What exports show under <c>parameters</c> (prompt, model, directory…), in order.</summary>
    [JsonPropertyName("parameters")]
    public JsonObject Parameters { get; init; } = [];

    [JsonPropertyName("templates")]
    public required IReadOnlyList<PromptTemplate> Templates { get; init; }

    [JsonPropertyName("items")]
    public required IReadOnlyList<BatchItem> Items { get; init; }

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
        };
}

/// <summary>How one item is asked: messages, model and everything else that shapes the answer.</summary>
public sealed class PromptTemplate
{
    [JsonPropertyName("messages")]
    public required IReadOnlyList<PromptMessage> Messages { get; init; }

    [JsonPropertyName("model")]
    public required string Model { get; init; }

    [JsonPropertyName("vision")]
    public bool Vision { get; init; }

    /// <summary>Ollama generation options by their wire names (<c>temperature</c>, <c>seed</c>, <c>num_predict</c>…).</summary>
    [JsonPropertyName("options")]
    public JsonObject? Options { get; init; }

    /// <summary><c>"json"</c>, a JSON schema object, or null for free text.</summary>
    [JsonPropertyName("format")]
    public JsonNode? Format { get; init; }

    /// <summary>Hash of the messages, recorded with cache keys to tell "prompt changed" from "content changed"; computed once per template.</summary>
    [JsonIgnore]
    internal string MessagesHash => _messagesHash ??= InputLoader.Sha256Hex(string.Concat(Messages.Select(m => $"{m.Role}\0{m.Content}\0")));

    private string? _messagesHash;
}

/// <summary>One item of a batch: usually a file, or a prompt alone (a workflow task without files).</summary>
public sealed class BatchItem
{
    /// <summary>The item's name: the file's path relative to the batch root, <c>/</c>-separated.</summary>
    [JsonPropertyName("file")]
    public required string File { get; init; }

    /// <summary>Absolute path to read; null for an item without a file.</summary>
    [JsonPropertyName("path")]
    public string? FullPath { get; init; }

    /// <summary>Index into <see cref="BatchPlan.Templates"/>.</summary>
    [JsonPropertyName("template")]
    public int Template { get; init; }

    /// <summary>Where the result is also written as its own file, when set.</summary>
    [JsonPropertyName("output_file")]
    public string? OutputFile { get; init; }

    /// <summary>Known before reading: missing or too large.</summary>
    [JsonPropertyName("problem")]
    public FileProblem? Problem { get; init; }
}

using System.Text.Json.Serialization;
using Gleitzeit.Batch.Discovery;

namespace Gleitzeit.Batch.Planning;

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

    /// <summary>Known before reading: missing, too large, not a regular file.</summary>
    [JsonPropertyName("problem")]
    public FileProblem? Problem { get; init; }
}

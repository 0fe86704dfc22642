using System.Text.Json.Nodes;
using Gleitzeit.Batch.Inputs;

namespace Gleitzeit.Batch.Workflows;

/// <summary>A workflow read from YAML: its tasks in file order.</summary>
/// <param name="Name">The workflow's <c>name</c>.</param>
/// <param name="File">The YAML file, absolute.</param>
/// <param name="Tasks">Its tasks.</param>
public sealed record WorkflowDefinition(string Name, string File, IReadOnlyList<WorkflowTask> Tasks)
{
    /// <summary>Directory that relative paths in the workflow are resolved against.</summary>
    public string BaseDirectory => Path.GetDirectoryName(File)!;
}

/// <summary>One <c>llm/chat</c> or <c>llm/vision</c> task.</summary>
public sealed record WorkflowTask
{
    /// <summary>The task's <c>id</c>, else its <c>name</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The task's <c>name</c>, else its <c>id</c>.</summary>
    public required string Name { get; init; }

    public required string Method { get; init; }

    /// <summary>Where the task starts in the file, for messages.</summary>
    public int Line { get; init; }

    /// <summary>Task ids this one waits for: declared <c>dependencies</c> plus tasks its messages reference.</summary>
    public IReadOnlyList<string> Dependencies { get; init; } = [];

    public required IReadOnlyList<PromptMessage> Messages { get; init; }

    /// <summary>The model; null for the configured default (text or vision).</summary>
    public string? Model { get; init; }

    public bool Vision => Method == "llm/vision";

    /// <summary><c>files</c>, <c>file_path</c> and <c>image_path</c>, as written.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    public string? Directory { get; init; }

    public string Pattern { get; init; } = "*";

    public bool Recursive { get; init; }

    /// <summary>Model options by wire name (<c>max_tokens</c> already mapped to <c>num_predict</c>).</summary>
    public JsonObject Options { get; init; } = [];

    public JsonNode? Format { get; init; }

    /// <summary>Whether the task covers files (one item each) or is a single prompt.</summary>
    public bool HasFiles => Files.Count > 0 || Directory is not null;
}

namespace Gleitzeit.Testing;

/// <summary>
/// A generation of many seconds on the local provider: a tiny model that never ends a sentence, asked by a workflow for as
/// many tokens as its window holds — something to interrupt in the middle.
/// </summary>
public static class EndlessGeneration
{
    public const int ContextLength = 65536;

    public static TinyGgufOptions Model { get; } = new() { PeriodBias = -10, ContextLength = ContextLength };

    /// <summary>Workflow YAML with one task over <c>docs</c>.</summary>
    public static string Workflow(string taskId) => $"""
        name: "long"
        tasks:
          - id: "{taskId}"
            protocol: "llm/v1"
            method: "llm/chat"
            params:
              directory: "docs"
              max_tokens: 65000
              messages:
                - role: "user"
                  content: "Go on."
        """;
}

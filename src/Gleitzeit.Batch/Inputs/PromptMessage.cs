namespace Gleitzeit.Batch.Inputs;

/// <summary>One message of a prompt template, before a file is combined into it.</summary>
/// <param name="Role"><c>system</c>, <c>user</c> or <c>assistant</c>.</param>
/// <param name="Content">The message text.</param>
public sealed record PromptMessage(string Role, string Content)
{
    /// <summary>The usual template: an optional system message, then the user's prompt.</summary>
    public static IReadOnlyList<PromptMessage> FromPrompt(string prompt, string? systemPrompt) =>
        string.IsNullOrEmpty(systemPrompt)
            ? [new PromptMessage("user", prompt)]
            : [new PromptMessage("system", systemPrompt), new PromptMessage("user", prompt)];
}

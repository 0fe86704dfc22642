namespace Gleitzeit.Batch.Inputs;

/// <summary>
/// Combines a prompt template with a file in the one shape every front end uses (docs/documents.md, "Text files
/// and images"), so a prompt behaves the same from the CLI, a build or a workflow: the last user message becomes
/// <c>"{prompt}\n\nFile content from {path}:\n{content}"</c>; for an image it keeps its text and gets the image attached.
/// </summary>
public static class MessageComposer
{
    /// <summary>The messages the model receives for one item.</summary>
    public static IReadOnlyList<ComposedMessage> Compose(IReadOnlyList<PromptMessage> template, string? relativePath, LoadedInput? input)
    {
        ArgumentNullException.ThrowIfNull(template);
        var lastUser = -1;
        for (var i = 0; i < template.Count; i++)
        {
            if (template[i].Role == "user")
            {
                lastUser = i;
            }
        }

        var messages = new List<ComposedMessage>(template.Count + 1);
        for (var i = 0; i < template.Count; i++)
        {
            var message = template[i];
            messages.Add(i == lastUser && input is not null
                ? Combine(message.Content, relativePath ?? string.Empty, input)
                : new ComposedMessage(message.Role, message.Content, []));
        }

        if (lastUser < 0 && input is not null)
        {
            messages.Add(Combine(string.Empty, relativePath ?? string.Empty, input));
        }

        return messages;
    }

    private static ComposedMessage Combine(string prompt, string relativePath, LoadedInput input) =>
        (input.Text ?? (input.Extractor is null ? null : input.KeyText)) is { } text
            ? new ComposedMessage("user", $"{prompt}\n\nFile content from {relativePath}:\n{text}", [])
            : new ComposedMessage("user", prompt, [new ImageAttachment(input.ImageBytes, input.MediaType!, input.ContentSha256)]);
}

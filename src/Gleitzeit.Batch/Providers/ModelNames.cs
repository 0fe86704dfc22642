namespace Gleitzeit.Batch.Providers;

/// <summary>Model name spelling: as Ollama resolves it, and as an artifact shows it.</summary>
public static class ModelNames
{
    /// <summary><c>llama3.2</c> and <c>llama3.2:latest</c> name the same model: the tag defaults to <c>latest</c>.</summary>
    public static string Normalize(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var trimmed = model.Trim();
        var lastSlash = trimmed.LastIndexOf('/');
        return trimmed.IndexOf(':', lastSlash + 1) < 0 ? trimmed + ":latest" : trimmed;
    }

    /// <summary>
    /// A model as an artifact names it: a URL (the local provider's <c>http://host:port/path/model.gguf</c>) by its file
    /// name alone (<c>model.gguf</c>), so no server address or credential reaches a committed file; its digest says
    /// which weights. Any other name as it is.
    /// </summary>
    public static string Display(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var trimmed = model.Trim();
        var scheme = trimmed.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            // An absolute file path differs between machines: an artifact names the file (a relative path is the project's).
            var rooted = trimmed.StartsWith('/') || trimmed.StartsWith('\\') || (trimmed.Length > 2 && char.IsAsciiLetter(trimmed[0]) && trimmed[1] == ':' && trimmed[2] is '/' or '\\');
            return rooted ? trimmed[(trimmed.LastIndexOfAny(['/', '\\']) + 1)..] : model;
        }

        // Whatever the URL looks like, only what follows its last slash, before a query or fragment, can be shown.
        var rest = trimmed[(scheme + 3)..];
        var end = rest.IndexOfAny(['?', '#']);
        rest = end < 0 ? rest : rest[..end];
        var slash = rest.LastIndexOf('/');
        var name = slash < 0 ? string.Empty : rest[(slash + 1)..];
        try
        {
            name = Uri.UnescapeDataString(name);
        }
        catch (UriFormatException)
        {
            // Kept escaped.
        }

        return name.Trim().Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.Contains('@', StringComparison.Ordinal) ? "model" : name.Trim();
    }
}

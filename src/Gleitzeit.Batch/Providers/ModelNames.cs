namespace Gleitzeit.Batch.Providers;

/// <summary>Model name spelling as Ollama resolves it.</summary>
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
}

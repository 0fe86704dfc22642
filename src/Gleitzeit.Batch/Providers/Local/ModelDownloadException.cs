namespace Gleitzeit.Batch.Providers.Local;

/// <summary>The failures of getting a local model in place, as the model-call failures the engine knows.</summary>
internal static class ModelDownloadException
{
    public static ChatProviderException Failed(LocalModelSpec spec, string reason) => new(
        $"cannot download model '{spec.Name}' from {Secrets.Redact(spec.Url?.AbsoluteUri ?? string.Empty)} ({reason}); "
        + $"check the network, or place the file by hand at {spec.Path}{(spec.PinnedSha256 is { } sha ? $" (SHA-256 {sha})" : string.Empty)}, "
        + "or set the model to a GGUF file's path",
        DiagnosticCodes.ModelDownloadFailed,
        isTransient: false,
        stopsBatch: true);

    public static ChatProviderException Mismatch(LocalModelSpec spec, string path, string expected, string actual, string what) => new(
        $"model '{spec.Name}' at {path} is not the file pinned for it: its SHA-256 is {actual}, {what} {expected}; "
        + $"it was not used — delete it to download it again{(spec.Url is null ? string.Empty : $" from {Secrets.Redact(spec.Url.AbsoluteUri)}")}",
        DiagnosticCodes.ModelDownloadFailed,
        isTransient: false,
        stopsBatch: true);

    public static ChatProviderException Missing(LocalModelSpec spec) => new(
        $"model file {spec.Path} does not exist; give the path of a GGUF file, an https URL to download one from, or an alias ({string.Join(", ", PinnedModel.All.Select(m => m.Alias))})",
        DiagnosticCodes.ModelNotFound,
        isTransient: false,
        stopsBatch: true);
}

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

    /// <summary>The file in place (or just downloaded, <paramref name="downloaded"/>) is not the pinned or recorded one.</summary>
    public static ChatProviderException Mismatch(LocalModelSpec spec, string path, string expected, string actual, string what, bool downloaded) => new(
        $"model '{spec.Name}' at {path} is not the file pinned for it: its SHA-256 is {actual}, {what} {expected}; it was not used — "
        + (downloaded, spec.PinnedSha256 is null) switch
        {
            (true, true) => $"the server's file changed since its first download; to take the new one, delete {spec.Path}.sha256",
            (true, false) => "the download was discarded; check the URL, or place the pinned file by hand at " + spec.Path,
            (false, true) => $"delete {spec.Path} to download it again from {Secrets.Redact(spec.Url?.AbsoluteUri ?? string.Empty)}, and {spec.Path}.sha256 too if the server's file changed on purpose",
            (false, false) => $"delete it to download it again{(spec.Url is null ? string.Empty : $" from {Secrets.Redact(spec.Url.AbsoluteUri)}")}",
        },
        DiagnosticCodes.ModelDownloadFailed,
        isTransient: false,
        stopsBatch: true);

    /// <summary>The model must be downloaded into <paramref name="directory"/>, which cannot be written (read-only, or not ours).</summary>
    public static ChatProviderException Unwritable(LocalModelSpec spec, string directory, string reason) => new(
        $"cannot download model '{spec.Name}' from {Secrets.Redact(spec.Url?.AbsoluteUri ?? string.Empty)}: the models directory {directory} cannot be written ({reason.TrimEnd('.')}); "
        + "make it writable, or set models_directory (GleitzeitModelsDirectory, --models-directory) to a writable folder, "
        + $"or place the file by hand at {spec.Path}{(spec.PinnedSha256 is { } sha ? $" (SHA-256 {sha})" : string.Empty)}",
        DiagnosticCodes.ModelDownloadFailed,
        isTransient: false,
        stopsBatch: true);

    public static ChatProviderException NotGguf(LocalModelSpec spec, long length, string start) => Failed(
        spec,
        $"the server sent {length} bytes that are not a GGUF model (they begin '{start}'); point the URL at the file itself (on Hugging Face: …/resolve/…, not …/blob/…)");

    public static ChatProviderException Missing(LocalModelSpec spec) => new(
        $"model file {spec.Path} does not exist; give the path of a GGUF file, an https URL to download one from, or an alias ({string.Join(", ", PinnedModel.All.Select(m => m.Alias))})",
        DiagnosticCodes.ModelNotFound,
        isTransient: false,
        stopsBatch: true);
}

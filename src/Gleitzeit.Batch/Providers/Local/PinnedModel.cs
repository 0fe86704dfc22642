namespace Gleitzeit.Batch.Providers.Local;

/// <summary>A model the local provider knows by a short name: pinned by URL, size and SHA-256.</summary>
/// <param name="Alias">The short name users write as the model.</param>
/// <param name="Url">Where it is downloaded from (a fixed revision, so the bytes cannot change under the name).</param>
/// <param name="Size">Its length in bytes.</param>
/// <param name="Sha256">Its SHA-256, lower-case hex: the digest in cache keys.</param>
/// <param name="Licence">Its licence, for docs/local-model.md and messages.</param>
public sealed record PinnedModel(string Alias, string Url, long Size, string Sha256, string Licence)
{
    /// <summary>Qwen2.5 0.5B Instruct, Q4_K_M (Apache-2.0): the default of the local provider.</summary>
    public static PinnedModel Qwen25HalfB { get; } = new(
        "qwen2.5-0.5b-instruct",
        "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/9217f5db79a29953eb74d5343926648285ec7e67/qwen2.5-0.5b-instruct-q4_k_m.gguf",
        491_400_032,
        "74a4da8c9fdbcd15bd1f6d01d621410d31c6fc00986f5eb687824e7b93d7a9db",
        "Apache-2.0");

    /// <summary>Every alias.</summary>
    public static IReadOnlyList<PinnedModel> All { get; } = [Qwen25HalfB];

    /// <summary>The pinned model named <paramref name="alias"/>, or null.</summary>
    public static PinnedModel? Find(string alias) =>
        All.FirstOrDefault(m => string.Equals(m.Alias, alias.Trim(), StringComparison.OrdinalIgnoreCase));
}

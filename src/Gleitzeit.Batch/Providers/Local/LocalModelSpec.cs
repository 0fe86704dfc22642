using System.Security.Cryptography;
using System.Text;
using Gleitzeit.Batch.Configuration;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>
/// What a <c>model</c> setting names for the local provider: a GGUF file, an <c>http(s)://</c> URL downloaded once into
/// the models directory, or an alias of a <see cref="PinnedModel"/>.
/// </summary>
public sealed record LocalModelSpec
{
    /// <summary>The model as the user wrote it.</summary>
    public required string Name { get; init; }

    /// <summary>Where the GGUF file is (or will be, once downloaded).</summary>
    public required string Path { get; init; }

    /// <summary>Where it is downloaded from; null for a file named by path.</summary>
    public Uri? Url { get; init; }

    /// <summary>The SHA-256 it must have, when it is pinned (an alias); a bare URL records one on first download.</summary>
    public string? PinnedSha256 { get; init; }

    /// <summary>The length it must have, when pinned.</summary>
    public long? PinnedSize { get; init; }

    /// <summary>Reads <paramref name="model"/>: an alias, a URL or a path (relative to <paramref name="workingDirectory"/>, else this process's).</summary>
    /// <exception cref="ConfigurationException">A URL that is not http(s), or a path that cannot be a file name.</exception>
    public static LocalModelSpec Parse(string model, string modelsDirectory, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var name = model.Trim();
        if (PinnedModel.Find(name) is { } pinned)
        {
            var url = new Uri(pinned.Url);
            return new LocalModelSpec
            {
                Name = pinned.Alias,
                Path = System.IO.Path.Combine(modelsDirectory, FileNameOf(url)),
                Url = url,
                PinnedSha256 = pinned.Sha256,
                PinnedSize = pinned.Size,
            };
        }

        if (name.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(name, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp) || url.UserInfo.Length > 0)
            {
                throw new ConfigurationException($"invalid local model '{Secrets.Redact(name)}': give a GGUF file's path, an http(s) URL without credentials, or an alias ({string.Join(", ", PinnedModel.All.Select(m => m.Alias))})");
            }

            // Two URLs ending in the same file name must not share a download.
            var tag = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri)))[..12];
            return new LocalModelSpec { Name = name, Path = System.IO.Path.Combine(modelsDirectory, $"{tag}-{FileNameOf(url)}"), Url = url };
        }

        if (name.Length == 0)
        {
            throw new ConfigurationException("the local provider needs a model: a GGUF file's path, an http(s) URL, or an alias (" + string.Join(", ", PinnedModel.All.Select(m => m.Alias)) + ")");
        }

        try
        {
            return new LocalModelSpec { Name = name, Path = System.IO.Path.GetFullPath(GleitzeitPaths.ExpandHome(name), workingDirectory ?? Environment.CurrentDirectory) };
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ConfigurationException($"invalid local model '{name}': {ex.Message}");
        }
    }

    private static string FileNameOf(Uri url)
    {
        var last = Uri.UnescapeDataString(url.Segments.LastOrDefault() ?? string.Empty).Trim('/');
        var safe = new string([.. last.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
        return safe.Length == 0 ? "model.gguf" : safe.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? safe : safe + ".gguf";
    }
}

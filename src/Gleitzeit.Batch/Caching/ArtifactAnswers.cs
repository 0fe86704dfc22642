using System.Text.Json;
using Gleitzeit.Batch.Providers;

namespace Gleitzeit.Batch.Caching;

/// <summary>
/// The answers a committed JSON artifact holds, by cache key: a read-only cache tier served before the cache directory
/// and the model ("the lockfile"). An answer corrected by hand in the artifact is served as it stands until its key
/// changes (input, prompt, model or options). The models' digests recorded beside them are the digest memo's last
/// resort, so keys can be computed with no cache and no server.
/// </summary>
public sealed class ArtifactAnswers
{
    /// <summary>The result field that holds an answer's cache key.</summary>
    public const string KeyField = "cache_key";

    /// <summary>The result field that holds the model as the prompt named it.</summary>
    public const string ModelField = "model";

    /// <summary>The result field that holds the digest of the weights that answered.</summary>
    public const string DigestField = "model_digest";

    /// <summary>The top-level object that describes what produced the artifact.</summary>
    public const string ProvenanceField = "provenance";

    /// <summary>The list of models and digests in <see cref="ProvenanceField"/>.</summary>
    public const string ModelsField = "models";

    private readonly Dictionary<string, ArtifactAnswer> _byKey;
    private readonly Dictionary<string, string> _digests;

    private ArtifactAnswers(string path, Dictionary<string, ArtifactAnswer> byKey, Dictionary<string, string> digests)
    {
        Path = path;
        _byKey = byKey;
        _digests = digests;
    }

    /// <summary>The artifact's path.</summary>
    public string Path { get; }

    /// <summary>How many answers it holds.</summary>
    public int Count => _byKey.Count;

    public bool Contains(string key) => _byKey.ContainsKey(key);

    public ArtifactAnswer? TryGet(string key) => _byKey.GetValueOrDefault(key);

    /// <summary>The digest recorded for <paramref name="model"/> (as the provider resolves its name), or null.</summary>
    public string? DigestOf(string model) => _digests.GetValueOrDefault(model);

    /// <summary>
    /// Reads the artifact at <paramref name="path"/>; null when there is none. One that is not a JSON artifact (or was
    /// damaged by a bad merge) is reported through <paramref name="warn"/> and not used.
    /// </summary>
    public static ArtifactAnswers? Read(string path, Func<string, string> normalizeModel, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(normalizeModel);
        ArgumentNullException.ThrowIfNull(warn);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            warn($"{path}: the artifact cannot be read ({ex.Message}); its answers are not used");
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            var byKey = new Dictionary<string, ArtifactAnswer>(StringComparer.Ordinal);
            var digests = new Dictionary<string, string>(StringComparer.Ordinal);
            var root = document.RootElement;
            if (root.TryGetProperty(ProvenanceField, out var provenance) && provenance.TryGetProperty(ModelsField, out var models))
            {
                foreach (var model in models.EnumerateArray())
                {
                    if (Text(model, "model") is { } name && Text(model, "digest") is { } digest)
                    {
                        digests[normalizeModel(name)] = digest;
                    }
                }
            }

            foreach (var result in root.GetProperty("results").EnumerateArray())
            {
                if (Text(result, "status") != "success" || Text(result, KeyField) is not { } key || Text(result, "result") is not { } answer)
                {
                    continue;
                }

                TokenCounts? tokens = null;
                if (result.TryGetProperty("tokens", out var counts) && counts.ValueKind == JsonValueKind.Object)
                {
                    tokens = new TokenCounts { Prompt = Number(counts, "prompt"), Completion = Number(counts, "completion") };
                }

                byKey[key] = new ArtifactAnswer(
                    Text(result, "file") ?? string.Empty,
                    answer,
                    result.TryGetProperty("processing_time", out var time) && time.ValueKind == JsonValueKind.Number ? time.GetDouble() : 0,
                    tokens,
                    Text(result, ModelField),
                    Text(result, DigestField));
            }

            return new ArtifactAnswers(path, byKey, digests);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            warn($"{path}: not a Gleitzeit JSON artifact ({ex.Message}); its answers are not used");
            return null;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : 0;
}

/// <summary>One answer of a committed artifact.</summary>
/// <param name="File">The item it answered.</param>
/// <param name="Result">The answer, as committed (perhaps corrected by hand).</param>
/// <param name="ProcessingTime">Seconds, as recorded when it was computed.</param>
/// <param name="Tokens">Tokens, as recorded.</param>
/// <param name="Model">The model as the prompt named it.</param>
/// <param name="ModelDigest">The digest of the weights that answered.</param>
public sealed record ArtifactAnswer(string File, string Result, double ProcessingTime, TokenCounts? Tokens, string? Model, string? ModelDigest);

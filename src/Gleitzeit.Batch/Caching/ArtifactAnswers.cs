using System.Globalization;
using System.Text;
using System.Text.Json;
using Gleitzeit.Batch.Configuration;
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

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The result field that holds an item's OutputFile, relative to the project, <c>/</c>-separated.</summary>
    public const string OutputFileField = "output_file";

    /// <summary>A split document's result: how many parts its answer combines.</summary>
    public const string PartsField = "parts";

    /// <summary>A document's result: the extractor that made its text.</summary>
    public const string ExtractorField = "extractor";

    /// <summary>A result's checks: its judge's verdict is served by <c>judge_key</c> like an answer by its key.</summary>
    public const string ChecksField = "checks";

    private readonly Dictionary<string, ArtifactAnswer> _byKey;
    private readonly Dictionary<string, string> _digests;
    private readonly SortedSet<string> _outputFiles;
    private readonly Dictionary<string, Review.JudgeVerdict> _verdicts;

    private ArtifactAnswers(string path, Dictionary<string, ArtifactAnswer> byKey, Dictionary<string, string> digests, SortedSet<string> outputFiles, Dictionary<string, Review.JudgeVerdict> verdicts)
    {
        Path = path;
        _byKey = byKey;
        _digests = digests;
        _outputFiles = outputFiles;
        _verdicts = verdicts;
    }

    /// <summary>The judge's verdict recorded under <paramref name="judgeKey"/>, or null.</summary>
    public Review.JudgeVerdict? TryGetVerdict(string judgeKey) => _verdicts.GetValueOrDefault(judgeKey);

    /// <summary>The OutputFiles its results name (relative to the project): one whose item is gone is removed by the next build.</summary>
    public IReadOnlyCollection<string> OutputFiles => _outputFiles;

    /// <summary>The artifact's path.</summary>
    public string Path { get; }

    /// <summary>How many answers it holds.</summary>
    public int Count => _byKey.Count;

    public bool Contains(string key) => _byKey.ContainsKey(key);

    public ArtifactAnswer? TryGet(string key) => _byKey.GetValueOrDefault(key);

    /// <summary>
    /// The digest recorded for <paramref name="model"/> (as the provider resolves its name), or null. A model given as a
    /// URL is recorded by its file name (<see cref="ModelNames.Display"/>), and found by it.
    /// </summary>
    public string? DigestOf(string model) =>
        _digests.GetValueOrDefault(model)
        ?? (ModelNames.Display(model) is var shown && !string.Equals(shown, model, StringComparison.Ordinal) ? _digests.GetValueOrDefault(shown) : null);

    /// <summary>
    /// Reads the artifact at <paramref name="path"/>. A UTF-8 byte order mark and CRLF line endings are read like any
    /// UTF-8 file. One with git merge-conflict markers is read as both sides of the merge: their answers are served
    /// (ours where both have a key) and the conflict is reported. Anything else that is not a Gleitzeit JSON artifact is
    /// reported unreadable, with why, and not used.
    /// </summary>
    public static ArtifactRead Read(string path, Func<string, string> normalizeModel)
    {
        ArgumentNullException.ThrowIfNull(normalizeModel);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return ArtifactRead.Missing;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ArtifactRead.Unreadable($"the artifact cannot be read ({ex.Message})");
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? bytes.AsSpan(Encoding.UTF8.Preamble.Length) : bytes);
        }
        catch (DecoderFallbackException)
        {
            return ArtifactRead.Unreadable("not a Gleitzeit JSON artifact (not UTF-8 text)");
        }

        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (ConflictMarkers.FirstMarker(lines) is not { } conflict)
        {
            return Parse(path, text, normalizeModel, line => line, out var answers) is { } reason
                ? ArtifactRead.Unreadable($"not a Gleitzeit JSON artifact ({reason})")
                : new ArtifactRead(answers, ArtifactProblem.None);
        }

        ConflictMarkers.Side ours, theirs;
        try
        {
            (ours, theirs) = ConflictMarkers.Split(lines);
        }
        catch (FormatException ex)
        {
            return ArtifactRead.Unreadable($"the merge conflict at line {conflict} cannot be resolved: {ex.Message}", conflict);
        }

        if (Parse(path, ours.Text, normalizeModel, ours.Origin, out var mine) is { } oursProblem)
        {
            return ArtifactRead.Unreadable($"the merge conflict at line {conflict} cannot be resolved: our side is not a Gleitzeit JSON artifact ({oursProblem})", conflict);
        }

        if (Parse(path, theirs.Text, normalizeModel, theirs.Origin, out var others) is { } theirsProblem)
        {
            return ArtifactRead.Unreadable($"the merge conflict at line {conflict} cannot be resolved: their side is not a Gleitzeit JSON artifact ({theirsProblem})", conflict);
        }

        return new ArtifactRead(
            Union(mine!, others!),
            ArtifactProblem.Conflicted,
            conflict,
            $"merge-conflict markers at line {conflict}: the answers of both sides are served (ours where both have one) until it is resolved");
    }

    // Where both sides answer a key (or record a model's digest) ours wins, as `git checkout --ours` would.
    private static ArtifactAnswers Union(ArtifactAnswers ours, ArtifactAnswers theirs)
    {
        var byKey = new Dictionary<string, ArtifactAnswer>(ours._byKey, StringComparer.Ordinal);
        foreach (var (key, answer) in theirs._byKey)
        {
            byKey.TryAdd(key, answer);
        }

        var digests = new Dictionary<string, string>(ours._digests, StringComparer.Ordinal);
        foreach (var (model, digest) in theirs._digests)
        {
            digests.TryAdd(model, digest);
        }

        var outputs = new SortedSet<string>(ours._outputFiles, StringComparer.Ordinal);
        outputs.UnionWith(theirs._outputFiles);
        var verdicts = new Dictionary<string, Review.JudgeVerdict>(ours._verdicts, StringComparer.Ordinal);
        foreach (var (key, verdict) in theirs._verdicts)
        {
            verdicts.TryAdd(key, verdict);
        }

        return new ArtifactAnswers(ours.Path, byKey, digests, outputs, verdicts);
    }

    // Null when it parsed; else why not, in words that quote none of the text (a JSON error names one character at most).
    private static string? Parse(string path, string text, Func<string, string> normalizeModel, Func<int, int> origin, out ArtifactAnswers? answers)
    {
        answers = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
            {
                return "it has no \"results\" list";
            }

            var byKey = new Dictionary<string, ArtifactAnswer>(StringComparer.Ordinal);
            var digests = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty(ProvenanceField, out var provenance) && provenance.ValueKind == JsonValueKind.Object
                && provenance.TryGetProperty(ModelsField, out var models) && models.ValueKind == JsonValueKind.Array)
            {
                foreach (var model in models.EnumerateArray())
                {
                    if (Text(model, "model") is { } name && Text(model, "digest") is { } digest && Normalized(normalizeModel, name) is { } normalized)
                    {
                        digests[normalized] = digest;
                    }
                }
            }

            var outputFiles = new SortedSet<string>(StringComparer.Ordinal);
            var verdicts = new Dictionary<string, Review.JudgeVerdict>(StringComparer.Ordinal);
            foreach (var result in results.EnumerateArray())
            {
                if (result.ValueKind == JsonValueKind.Object && Text(result, OutputFileField) is { Length: > 0 } outputFile)
                {
                    outputFiles.Add(outputFile);
                }

                if (Verdict(result) is { } judged)
                {
                    verdicts[judged.Key] = judged.Verdict;
                }

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
                    Text(result, DigestField))
                {
                    Parts = result.TryGetProperty(PartsField, out var parts) && parts.ValueKind == JsonValueKind.Number && parts.TryGetInt32(out var count) && count > 0 ? count : null,
                    Extractor = Text(result, ExtractorField),
                };
            }

            answers = new ArtifactAnswers(path, byKey, digests, outputFiles, verdicts);
            return null;
        }
        catch (JsonException ex)
        {
            var message = ex.Message;
            var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            var reason = (at < 0 ? message : message[..at]).TrimEnd('.', ' ');
            return ex.LineNumber is { } line ? $"{reason} at line {origin((int)line + 1).ToString(CultureInfo.InvariantCulture)}" : reason;
        }
    }

    // A judge's verdict as committed: served while its key matches and its seal holds. An answer may be corrected by
    // hand (and is judged again); a verdict may not, so an edited score never passes CI without the judge.
    private static (string Key, Review.JudgeVerdict Verdict)? Verdict(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object || !result.TryGetProperty(ChecksField, out var checks) || checks.ValueKind != JsonValueKind.Object
            || Text(checks, "judge_key") is not { } key || Text(checks, "judge_reason") is not { } reason
            || !checks.TryGetProperty("score", out var score) || score.ValueKind != JsonValueKind.Number || score.GetDouble() is < 0 or > 1
            || !checks.TryGetProperty("judge_pass", out var pass) || pass.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return null;
        }

        var verdict = new Review.JudgeVerdict(score.GetDouble(), pass.GetBoolean(), reason);
        return Text(checks, "judge_seal") == verdict.Seal(key) ? (key, verdict) : null;
    }

    // A name the provider cannot read (edited by hand) records no digest; the rest of the artifact still serves.
    private static string? Normalized(Func<string, string> normalizeModel, string name)
    {
        try
        {
            return normalizeModel(name);
        }
        catch (ConfigurationException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : 0;
}

/// <summary>One answer of a committed artifact.</summary>
/// <param name="File">The item it answered.</param>
/// <param name="Result">The answer, as committed (perhaps corrected by hand).</param>
/// <param name="ProcessingTime">Seconds, as recorded when it was computed.</param>
/// <param name="Tokens">Tokens, as recorded.</param>
/// <param name="Model">The model as the prompt named it.</param>
/// <param name="ModelDigest">The digest of the weights that answered.</param>
public sealed record ArtifactAnswer(string File, string Result, double ProcessingTime, TokenCounts? Tokens, string? Model, string? ModelDigest)
{
    /// <summary>For a split document: how many parts the answer combines.</summary>
    public int? Parts { get; init; }

    /// <summary>For a document: the extractor that made its text.</summary>
    public string? Extractor { get; init; }
}

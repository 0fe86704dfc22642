using System.Collections.Immutable;
using Gleitzeit.Batch.Contract;

namespace Gleitzeit.Batch.Configuration;

/// <summary>
/// The effective settings of a batch after every layer has been applied: a value per row of the settings table
/// (<see cref="Contract.Settings"/>), with typed accessors for what the engine reads.
/// </summary>
public sealed record BatchSettings
{
    private ImmutableDictionary<string, object?> _values;
    private ImmutableDictionary<string, SettingLayer> _origins = ImmutableDictionary.Create<string, SettingLayer>(StringComparer.Ordinal);

    /// <summary>The built-in defaults, with <c>~/.gleitzeit</c> where <c>GLEITZEIT_HOME</c> of this process points.</summary>
    public BatchSettings()
        : this(System.Environment.GetEnvironmentVariable)
    {
    }

    private BatchSettings(Func<string, string?> environment)
    {
        var home = GleitzeitPaths.Home(environment);
        var values = ImmutableDictionary.CreateBuilder<string, object?>(StringComparer.Ordinal);
        foreach (var setting in Contract.Settings.All)
        {
            if (setting.Default is null)
            {
                values[setting.Key] = null;
                continue;
            }

            if (!SettingParser.TryParse(setting, setting.Default, DateTimeOffset.Now, out var value, out _))
            {
                throw new InvalidOperationException($"the default of {setting.Key} is not valid");
            }

            values[setting.Key] = setting.Kind == SettingKind.Path ? GleitzeitPaths.ResolveDefault((string)value!, home) : value;
        }

        _values = values.ToImmutable();
    }

    /// <summary>Default model for text prompts.</summary>
    public const string DefaultModelName = "llama3.2:latest";

    /// <summary>Default model for <c>--vision</c> batches.</summary>
    public const string DefaultVisionModelName = "llava:latest";

    /// <summary>Default Ollama endpoint when neither a flag nor <c>OLLAMA_HOST</c> names one.</summary>
    public const string DefaultEndpoint = "http://localhost:11434";

    /// <summary>Which spelling hints and messages use for settings: <c>--max-size</c>, <c>GleitzeitMaxFileSize</c>…</summary>
    public SettingLayer Surface { get; init; } = SettingLayer.CommandLine;

    public string Provider { get => Text(Contract.Settings.Provider); init => Set(Contract.Settings.Provider, value); }

    /// <summary>
    /// The model servers' addresses, joined by <c>;</c> when there are several: the setting, else the provider's own
    /// (its environment variable, e.g. <c>OLLAMA_HOST</c> or <c>OPENAI_BASE_URL</c>, then its default address).
    /// </summary>
    public string Endpoint
    {
        get => string.Join(";", Endpoints);
        init => Set(Contract.Settings.Endpoint, value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>The model servers' addresses, one or more (several only for Ollama); empty when the provider needs one given.</summary>
    public IReadOnlyList<string> Endpoints
    {
        get
        {
            var preset = ProviderPresets.For(Provider);
            var given = (string[]?)Get(Contract.Settings.Endpoint);
            if (given is null && preset.EndpointVariable is { } variable && Environment(variable) is { Length: > 0 } fromEnvironment)
            {
                given = fromEnvironment.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }

            given ??= preset.DefaultEndpoint is { } fallback ? [fallback] : [];
            return [.. given.Select(e => SettingParser.NormalizeAddress(e, preset.DefaultPort) ?? e)];
        }
    }

    /// <summary>The environment the settings were read in: the provider's address and key variables are read from it.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>The environment variable that holds the API key: the setting, else the provider's own; null for a server without keys.</summary>
    public string? ApiKeyVariable => (string?)Get(Contract.Settings.ApiKeyVariable) ?? ProviderPresets.For(Provider).KeyVariable;

    /// <summary>A known request quota per minute, or null to learn it from the server.</summary>
    public int? RequestsPerMinute { get => Get(Contract.Settings.RequestsPerMinute) is long n ? (int)n : null; init => Set(Contract.Settings.RequestsPerMinute, value is null ? null : (long)value.Value); }

    /// <summary>A known token quota per minute, or null.</summary>
    public int? TokensPerMinute { get => Get(Contract.Settings.TokensPerMinute) is long n ? (int)n : null; init => Set(Contract.Settings.TokensPerMinute, value is null ? null : (long)value.Value); }

    /// <summary>The text model: the setting, else the provider's own default (the local model's alias), else the table's.</summary>
    public string Model
    {
        get => OriginOf(Contract.Settings.Model) == SettingLayer.Default && ProviderPresets.For(Provider).DefaultModel is { } own ? own : Text(Contract.Settings.Model);
        init
        {
            Set(Contract.Settings.Model, value);
            _origins = _origins.SetItem(Contract.Settings.Model.Key, SettingLayer.CommandLine);
        }
    }

    /// <summary>Where downloaded local models are kept.</summary>
    /// <summary>The directory a relative local model path is resolved against: where the batch was started (a resume: where it first ran).</summary>
    public string WorkingDirectory { get; init; } = System.Environment.CurrentDirectory;

    public string ModelsDirectory { get => Text(Contract.Settings.ModelsDirectory); init => Set(Contract.Settings.ModelsDirectory, value); }

    public string VisionModel { get => Text(Contract.Settings.VisionModel); init => Set(Contract.Settings.VisionModel, value); }

    public int MaxConcurrent { get => (int)(long)Get(Contract.Settings.MaxConcurrent)!; init => Set(Contract.Settings.MaxConcurrent, (long)value); }

    /// <summary>Limit on one generation, from its first streamed chunk to its last.</summary>
    public TimeSpan TimeoutPerFile { get => (TimeSpan)Get(Contract.Settings.TimeoutPerFile)!; init => Set(Contract.Settings.TimeoutPerFile, value); }

    /// <summary>Limit on the wait for the first chunk: covers the server's queue and model load.</summary>
    public TimeSpan FirstChunkTimeout { get => (TimeSpan)Get(Contract.Settings.FirstChunkTimeout)!; init => Set(Contract.Settings.FirstChunkTimeout, value); }

    /// <summary>Limit on silence between two chunks of a stream; a stall is retried.</summary>
    public TimeSpan IdleTimeout { get => (TimeSpan)Get(Contract.Settings.IdleTimeout)!; init => Set(Contract.Settings.IdleTimeout, value); }

    /// <summary>Limit on any request that is not a generation (model list, model details), connecting included.</summary>
    public TimeSpan RequestTimeout { get => (TimeSpan)Get(Contract.Settings.RequestTimeout)!; init => Set(Contract.Settings.RequestTimeout, value); }

    /// <summary>Retries after an item's first attempt (<c>retry_attempts</c>, <c>--retries</c>): up to this + 1 attempts in all.</summary>
    public int RetryAttempts { get => (int)(long)Get(Contract.Settings.RetryAttempts)!; init => Set(Contract.Settings.RetryAttempts, (long)value); }

    /// <summary>Time an item may wait in all for a busy or rate-limiting server before it fails.</summary>
    public TimeSpan RateLimitWait { get => (TimeSpan)Get(Contract.Settings.RateLimitWait)!; init => Set(Contract.Settings.RateLimitWait, value); }

    /// <summary>With <c>execution: bulk</c>: how long a run waits for its remote batches to be answered (<c>--wait</c>); null: it submits and ends.</summary>
    public TimeSpan? BulkWait { get; init; }

    /// <summary>The first wait between checks of remote batches; each later one doubles, up to a minute. Not a user setting: tests shorten it.</summary>
    public TimeSpan BulkPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The most requests in one Batch API input file (OpenAI's limit is 50,000).</summary>
    public int BulkMaxRequests { get; init; } = 50_000;

    /// <summary>The largest Batch API input file, in bytes (OpenAI's limit is 200 MB; this leaves room).</summary>
    public long BulkMaxBytes { get; init; } = 190L * 1024 * 1024;

    /// <summary>First retry delay; later ones grow exponentially, with jitter. Not a user setting: tests shorten it.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public long MaxFileSize { get => (long)Get(Contract.Settings.MaxFileSize)!; init => Set(Contract.Settings.MaxFileSize, value); }

    /// <summary>Whether empty and whitespace-only files are sent (otherwise skipped with a warning).</summary>
    public bool AcceptEmptyAnswers { get => Text(Contract.Settings.EmptyAnswers) == "accept"; init => Set(Contract.Settings.EmptyAnswers, value ? "accept" : "fail"); }

    public bool KeepReasoning { get => (bool)Get(Contract.Settings.KeepReasoning)!; init => Set(Contract.Settings.KeepReasoning, value); }

    /// <summary><c>long_documents: split</c>: a document too long for the window is sent in parts and their answers combined.</summary>
    public bool SplitLongDocuments { get => Text(Contract.Settings.LongDocuments) == "split"; init => Set(Contract.Settings.LongDocuments, value ? "split" : "fail"); }

    /// <summary><c>execution: bulk</c>: misses go to the service's Batch API, to be collected by a later run.</summary>
    public bool Bulk
    {
        get => Text(Contract.Settings.Execution) == "bulk";
        init
        {
            // Set as a flag is: a resume keeps it, so a submitted batch is collected, never sent again live.
            Set(Contract.Settings.Execution, value ? "bulk" : "live");
            _origins = _origins.SetItem(Contract.Settings.Execution.Key, SettingLayer.CommandLine);
        }
    }

    /// <summary><c>checks_fail: error</c>: a failed check or a judge's score under <c>min_score</c> fails the build and the CLI run.</summary>
    public bool ChecksFailAsErrors { get => Text(Contract.Settings.ChecksFail) == "error"; init => Set(Contract.Settings.ChecksFail, value ? "error" : "warning"); }

    /// <summary>The checks and the judge every template of a CLI or workflow batch gets (a build's items may set their own).</summary>
    public Review.ReviewSpec? Review
    {
        get
        {
            var spec = Contract.BuildContract.Metadata.Review.Aggregate(new Review.ReviewSpec(), (review, row) => review.With(row.Setting, Get(row.Setting)));
            return spec.IsEmpty ? null : spec;
        }
    }

    /// <summary>
    /// A recorded batch's checks and judge with the review settings given on this command line over them: what
    /// <c>batch-resume --judge-model …</c> reviews the rest with.
    /// </summary>
    public Review.ReviewSpec? ReviewOver(Review.ReviewSpec? kept)
    {
        var given = Contract.BuildContract.Metadata.Review.Select(r => r.Setting).Where(s => OriginOf(s) == SettingLayer.CommandLine).ToList();
        if (given.Count == 0)
        {
            return kept;
        }

        var spec = given.Aggregate(kept ?? new Review.ReviewSpec(), (review, setting) => review.With(setting, Get(setting)));
        return spec.IsEmpty ? null : spec;
    }

    /// <summary>The prompt that combines a split document's answers; empty for the default.</summary>
    public string CombinePrompt { get => Text(Contract.Settings.CombinePrompt); init => Set(Contract.Settings.CombinePrompt, value); }

    public bool SendEmptyFiles { get => Text(Contract.Settings.EmptyFiles) == "send"; init => Set(Contract.Settings.EmptyFiles, value ? "send" : "skip"); }

    /// <summary>A fixed context window for every item, or null to fit each item's prompt (auto).</summary>
    public int? ContextLength { get => Get(Contract.Settings.ContextLength) is long n ? (int)n : null; init => Set(Contract.Settings.ContextLength, value is null ? null : (long)value.Value); }

    public string DefaultPattern { get => Text(Contract.Settings.DefaultPattern); init => Set(Contract.Settings.DefaultPattern, value); }

    /// <summary>When set, files last written before this instant are left out.</summary>
    public DateTimeOffset? ModifiedSince { get => (DateTimeOffset?)Get(Contract.Settings.ModifiedSince); init => Set(Contract.Settings.ModifiedSince, value); }

    public string ResultsDirectory { get => Text(Contract.Settings.ResultsDirectory); init => Set(Contract.Settings.ResultsDirectory, value); }

    public string CacheDirectory { get => Text(Contract.Settings.CacheDirectory); init => Set(Contract.Settings.CacheDirectory, value); }

    public CacheMode CacheMode { get => Enum.Parse<CacheMode>(Text(Contract.Settings.CacheMode)); init => Set(Contract.Settings.CacheMode, value.ToString()); }

    /// <summary>Ask the server for model digests even when every item is cached.</summary>
    public bool CheckModels { get => (bool)Get(Contract.Settings.CheckModels)!; init => Set(Contract.Settings.CheckModels, value); }

    /// <summary>Compute the artifacts and compare them with what is there, writing nothing.</summary>
    public bool Verify { get => (bool)Get(Contract.Settings.Verify)!; init => Set(Contract.Settings.Verify, value); }

    /// <summary>A budget of prompt and answer tokens for a run, or null for none.</summary>
    public long? MaxTokensTotal { get => (long?)Get(Contract.Settings.MaxTokensTotal); init => Set(Contract.Settings.MaxTokensTotal, value); }

    /// <summary>The artifact formats of a build (<c>json</c>, <c>csv</c>, <c>md</c>).</summary>
    public IReadOnlyList<string> Formats { get => (string[])Get(Contract.Settings.Formats)!; init => Set(Contract.Settings.Formats, value.ToArray()); }

    /// <summary>Whether a failed item fails the build.</summary>
    public bool FailOnError { get => (bool)Get(Contract.Settings.FailOnError)!; init => Set(Contract.Settings.FailOnError, value); }

    /// <summary>Defaults that follow <c>GLEITZEIT_HOME</c> of the given environment.</summary>
    public static BatchSettings Defaults(Func<string, string?>? environment = null) =>
        new(environment ?? System.Environment.GetEnvironmentVariable) { Environment = environment ?? System.Environment.GetEnvironmentVariable };

    /// <summary>The value of a row (see <see cref="SettingParser"/> for the types).</summary>
    public object? Get(SettingDefinition setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return _values.GetValueOrDefault(setting.Key);
    }

    /// <summary>Where a row's value came from.</summary>
    public SettingLayer OriginOf(SettingDefinition setting) => _origins.GetValueOrDefault(setting.Key, SettingLayer.Default);

    /// <summary>These settings with one row set from <paramref name="layer"/>.</summary>
    public BatchSettings With(SettingDefinition setting, object? value, SettingLayer layer)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return this with
        {
            _values = _values.SetItem(setting.Key, value),
            _origins = _origins.SetItem(setting.Key, layer),
        };
    }

    /// <summary>How the user would spell <paramref name="setting"/> where these settings were made (<see cref="Surface"/>).</summary>
    public string Spell(SettingDefinition setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        var spelled = setting.SpelledFor(Surface);
        return spelled == setting.Key && Surface != SettingLayer.ConfigFile ? $"{setting.Key} (in .gleitzeit/config.yaml)" : spelled;
    }

    private string Text(SettingDefinition setting) => (string?)Get(setting) ?? string.Empty;

    private void Set(SettingDefinition setting, object? value) => _values = _values.SetItem(setting.Key, value);
}

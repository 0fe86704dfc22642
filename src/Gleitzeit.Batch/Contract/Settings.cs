using System.Collections.Generic;

namespace Gleitzeit.Batch.Contract;

/// <summary>
/// The settings table: one row per setting, read by the config loader, the command line, the build worker and the
/// MSBuild task. A new setting is one row here (plus, for an MSBuild property, one line in the package's targets).
/// </summary>
public static class Settings
{
    /// <summary>Most a timeout may be: longer waits are not a bound (and timers cannot hold much more).</summary>
    public const double MaxSeconds = 604_800;

    /// <summary>Largest file that can be sent: its text must fit in one string and one request.</summary>
    public const long MaxFileSizeLimit = 256L * 1024 * 1024;

    public static readonly SettingDefinition Provider = new()
    {
        Key = "provider",
        Description = "who answers: ollama, an OpenAI-compatible server (openai, azure-openai, github-models), or local (a GGUF model run in process, no server)",
        Kind = SettingKind.Choice,
        Choices = ["ollama", "openai", "azure-openai", "github-models", "local"],
        Default = "ollama",
        ChangesAnswers = true,
        Property = "GleitzeitProvider",
        Flag = "--provider",
        Environment = "GLEITZEIT_PROVIDER",
    };

    public static readonly SettingDefinition Endpoint = new()
    {
        Key = "endpoint",
        Description = "the model server's address; several Ollama servers separated by ';' (unset: the provider's own, e.g. OLLAMA_HOST or OPENAI_BASE_URL)",
        Kind = SettingKind.AddressList,
        Property = "GleitzeitEndpoint",
        Flag = "--endpoint",
    };

    public static readonly SettingDefinition ApiKeyVariable = new()
    {
        Key = "api_key_env",
        Description = "the environment variable that holds the API key (unset: OPENAI_API_KEY, AZURE_OPENAI_API_KEY or GITHUB_TOKEN by provider); the key itself is never a setting",
        Kind = SettingKind.Text,
        Property = "GleitzeitApiKeyVariable",
        Flag = "--api-key-env",
    };

    public static readonly SettingDefinition RequestsPerMinute = new()
    {
        Key = "requests_per_minute",
        Description = "send at most this many requests a minute (a known quota), instead of learning it from 429 answers",
        Kind = SettingKind.Integer,
        Minimum = 1,
        Maximum = 1_000_000,
        Property = "GleitzeitRequestsPerMinute",
        Flag = "--requests-per-minute",
    };

    public static readonly SettingDefinition TokensPerMinute = new()
    {
        Key = "tokens_per_minute",
        Description = "send at most this many prompt and answer tokens a minute (estimated before sending)",
        Kind = SettingKind.Integer,
        Minimum = 1,
        Maximum = 1_000_000_000,
        Property = "GleitzeitTokensPerMinute",
        Flag = "--tokens-per-minute",
    };

    public static readonly SettingDefinition Model = new()
    {
        Key = "model",
        Description = "the model for text prompts; for local a GGUF file, an https URL or an alias (unset: llama3.2:latest, for local qwen2.5-0.5b-instruct)",
        Kind = SettingKind.Text,
        Default = "llama3.2:latest",
        ChangesAnswers = true,
        Property = "GleitzeitModel",
        Flag = "--model",
        ShortFlag = "-m",
        Environment = "GLEITZEIT_MODEL",
    };

    public static readonly SettingDefinition VisionModel = new()
    {
        Key = "vision_model",
        Description = "the model for images",
        Kind = SettingKind.Text,
        Default = "llava:latest",
        ChangesAnswers = true,
        Property = "GleitzeitVisionModel",
        Flag = "--vision-model",
        Environment = "GLEITZEIT_VISION_MODEL",
    };

    public static readonly SettingDefinition MaxConcurrent = new()
    {
        Key = "max_concurrent",
        Description = "items sent at once",
        Kind = SettingKind.Integer,
        Minimum = 1,
        Maximum = 1024,
        Default = "5",
        Property = "GleitzeitMaxConcurrency",
        Flag = "--concurrency",
        ShortFlag = "-c",
        Environment = "GLEITZEIT_MAX_CONCURRENT",
    };

    public static readonly SettingDefinition TimeoutPerFile = new()
    {
        Key = "timeout_per_file",
        Description = "seconds one generation may take, from its first chunk to its last",
        Kind = SettingKind.Seconds,
        Maximum = MaxSeconds,
        Default = "120",
        Property = "GleitzeitTimeoutSeconds",
        Flag = "--timeout",
    };

    public static readonly SettingDefinition FirstChunkTimeout = new()
    {
        Key = "first_chunk_timeout",
        Description = "seconds to wait for a generation's first chunk (the server's queue and model load)",
        Kind = SettingKind.Seconds,
        Maximum = MaxSeconds,
        Default = "600",
        Property = "GleitzeitFirstChunkTimeoutSeconds",
        Flag = "--first-chunk-timeout",
    };

    public static readonly SettingDefinition IdleTimeout = new()
    {
        Key = "idle_timeout",
        Description = "seconds of silence allowed between two chunks of a stream (a stall is retried)",
        Kind = SettingKind.Seconds,
        Maximum = MaxSeconds,
        Default = "60",
        Property = "GleitzeitIdleTimeoutSeconds",
        Flag = "--idle-timeout",
    };

    public static readonly SettingDefinition RequestTimeout = new()
    {
        Key = "request_timeout",
        Description = "seconds any other request to the server may take (model list, model details)",
        Kind = SettingKind.Seconds,
        Maximum = MaxSeconds,
        Default = "30",
        Property = "GleitzeitRequestTimeoutSeconds",
        Flag = "--request-timeout",
    };

    public static readonly SettingDefinition RetryAttempts = new()
    {
        Key = "retry_attempts",
        Description = "retries per item after its first attempt, for transient failures (0: no retry)",
        Kind = SettingKind.Integer,
        Minimum = 0,
        Maximum = 100,
        Default = "3",
        Property = "GleitzeitRetryAttempts",
        Flag = "--retries",
    };

    public static readonly SettingDefinition RateLimitWait = new()
    {
        Key = "rate_limit_wait",
        Description = "seconds an item may wait in all for a busy or rate-limiting server (503, 429) before it fails (rate limited: GZ2006, the rest resumable)",
        Kind = SettingKind.Seconds,
        Maximum = MaxSeconds,
        Default = "1800",
        Property = "GleitzeitRateLimitWaitSeconds",
        Flag = "--rate-limit-wait",
    };

    public static readonly SettingDefinition MaxFileSize = new()
    {
        Key = "max_file_size",
        Description = "larger files are skipped and reported, never sent",
        Kind = SettingKind.Size,
        Minimum = 1,
        Maximum = MaxFileSizeLimit,
        Default = "1048576",
        Property = "GleitzeitMaxFileSize",
        Flag = "--max-size",
    };

    public static readonly SettingDefinition EmptyFiles = new()
    {
        Key = "empty_files",
        Description = "what to do with empty and whitespace-only files: skip them with a warning, or send them",
        Kind = SettingKind.Choice,
        Choices = ["skip", "send"],
        Default = "skip",
        ChangesAnswers = true,
        Property = "GleitzeitEmptyFiles",
        Flag = "--empty-files",
    };

    public static readonly SettingDefinition EmptyAnswers = new()
    {
        Key = "empty_answers",
        Description = "what an empty answer is: a failure (GZ2011), or an answer to keep",
        Kind = SettingKind.Choice,
        Choices = ["fail", "accept"],
        Default = "fail",
        ChangesAnswers = true,
        Property = "GleitzeitEmptyAnswers",
        Flag = "--empty-answers",
    };

    public static readonly SettingDefinition KeepReasoning = new()
    {
        Key = "keep_reasoning",
        Description = "keep a reasoning model's reasoning in the answer, as <think>…</think> before it (it is always in the batch record)",
        Kind = SettingKind.Boolean,
        Default = "false",
        ChangesAnswers = true,
        Property = "GleitzeitKeepReasoning",
        Flag = "--keep-reasoning",
    };

    public static readonly SettingDefinition LongDocuments = new()
    {
        Key = "long_documents",
        Description = "a document too long for the model's window: fail it unsent (GZ3007), or split it on its structure, send the prompt over each part and combine the parts' answers in one more call",
        Kind = SettingKind.Choice,
        Choices = ["fail", "split"],
        Default = "fail",
        Property = "GleitzeitLongDocuments",
        Flag = "--long-documents",
    };

    public static readonly SettingDefinition CombinePrompt = new()
    {
        Key = "combine_prompt",
        Description = "with long_documents: split, the prompt of the call that combines the parts' answers (unset: combine them into one answer to the prompt for the whole document)",
        Kind = SettingKind.Text,
        Default = null,
        ChangesAnswers = true,
        Property = "GleitzeitCombinePrompt",
        Flag = "--combine-prompt",
    };

    public static readonly SettingDefinition Execution = new()
    {
        Key = "execution",
        Description = "how misses reach an openai or azure-openai service: live calls, or bulk (one Batch API job, half the price, answered within 24 h and collected by a later run or build)",
        Kind = SettingKind.Choice,
        Choices = ["live", "bulk"],
        Default = "live",
        Property = "GleitzeitExecution",
        Flag = "--execution",
    };

    public static readonly SettingDefinition MaxWords = new()
    {
        Key = "max_words",
        Description = "check each answer: at most this many words (a failed check is GZ5001)",
        Kind = SettingKind.Integer,
        Minimum = 1,
        Maximum = 1_000_000_000,
        Flag = "--max-words",
    };

    public static readonly SettingDefinition MinWords = new()
    {
        Key = "min_words",
        Description = "check each answer: at least this many words",
        Kind = SettingKind.Integer,
        Minimum = 1,
        Maximum = 1_000_000_000,
        Flag = "--min-words",
    };

    public static readonly SettingDefinition MaxChars = new()
    {
        Key = "max_chars",
        Description = "check each answer: at most this many characters",
        Kind = SettingKind.Integer,
        Minimum = 1,
        Maximum = 1_000_000_000,
        Flag = "--max-chars",
    };

    public static readonly SettingDefinition MinChars = new()
    {
        Key = "min_chars",
        Description = "check each answer: at least this many characters",
        Kind = SettingKind.Integer,
        Minimum = 1,
        Maximum = 1_000_000_000,
        Flag = "--min-chars",
    };

    public static readonly SettingDefinition MustMatch = new()
    {
        Key = "must_match",
        Description = "check each answer: it must match this regular expression (.NET syntax)",
        Kind = SettingKind.Pattern,
        Flag = "--must-match",
    };

    public static readonly SettingDefinition MustNotMatch = new()
    {
        Key = "must_not_match",
        Description = "check each answer: it must not match this regular expression (.NET syntax)",
        Kind = SettingKind.Pattern,
        Flag = "--must-not-match",
    };

    public static readonly SettingDefinition RequireJson = new()
    {
        Key = "require_json",
        Description = "check each answer: it must be valid JSON (and valid against the batch's JSON schema when its format is one)",
        Kind = SettingKind.Boolean,
        Default = "false",
        Flag = "--require-json",
    };

    public static readonly SettingDefinition Judge = new()
    {
        Key = "judge",
        Description = "after each answer, one more call asks a model to grade it against its document by this rubric (true: the built-in rubric, every statement supported by the document); its verdict is cached like an answer",
        Kind = SettingKind.Text,
        Flag = "--judge",
    };

    public static readonly SettingDefinition JudgeModel = new()
    {
        Key = "judge_model",
        Description = "the model that judges answers (unset: the model that answered)",
        Kind = SettingKind.Text,
        Flag = "--judge-model",
    };

    public static readonly SettingDefinition MinScore = new()
    {
        Key = "min_score",
        Description = "the judge's score (0 to 1) an answer needs to pass (unset: the judge's own pass or fail); a lower one is GZ5002",
        Kind = SettingKind.Fraction,
        Flag = "--min-score",
    };

    public static readonly SettingDefinition ChecksFail = new()
    {
        Key = "checks_fail",
        Description = "what a failed check or a judge's score under min_score is: a warning on the item's file, or an error that fails the build (and exits the CLI with 1)",
        Kind = SettingKind.Choice,
        Choices = ["warning", "error"],
        Default = "warning",
        Property = "GleitzeitChecksFail",
        Flag = "--checks-fail",
    };

    public static readonly SettingDefinition ContextLength = new()
    {
        Key = "context_length",
        Description = "the context window (num_ctx) to ask for: auto raises it per item to fit the prompt; a number is sent with every item",
        Kind = SettingKind.AutoOrInteger,
        Minimum = 256,
        Maximum = 16_777_216,
        Default = "auto",
        ChangesAnswers = true,
        Property = "GleitzeitContextLength",
        Flag = "--context-length",
    };

    public static readonly SettingDefinition DefaultPattern = new()
    {
        Key = "default_pattern",
        Description = "the file pattern when none is given",
        Kind = SettingKind.Text,
        Default = "*",
    };

    public static readonly SettingDefinition ModifiedSince = new()
    {
        Key = "modified_since",
        Description = "leave out files last written before this date or age (e.g. 2026-11-01, 7d)",
        Kind = SettingKind.DateOrAge,
        Flag = "--modified-since",
    };

    public static readonly SettingDefinition ResultsDirectory = new()
    {
        Key = "results_directory",
        Description = "where batch records are kept",
        Kind = SettingKind.Path,
        Default = "~/.gleitzeit/batch_results",
        Property = "GleitzeitResultsDirectory",
        Flag = "--results-directory",
        Environment = "GLEITZEIT_RESULTS_DIRECTORY",
    };

    public static readonly SettingDefinition CacheDirectory = new()
    {
        Key = "cache_directory",
        Description = "the content-hash cache",
        Kind = SettingKind.Path,
        Default = "~/.gleitzeit/cache",
        Property = "GleitzeitCacheDirectory",
        Flag = "--cache-directory",
        Environment = "GLEITZEIT_CACHE_DIRECTORY",
    };

    public static readonly SettingDefinition ModelsDirectory = new()
    {
        Key = "models_directory",
        Description = "where the local provider keeps downloaded GGUF models",
        Kind = SettingKind.Path,
        Default = "~/.gleitzeit/models",
        Property = "GleitzeitModelsDirectory",
        Flag = "--models-directory",
        Environment = "GLEITZEIT_MODELS_DIRECTORY",
    };

    public static readonly SettingDefinition CacheMode = new()
    {
        Key = "cache_mode",
        Description = "ReadWrite; ReadOnly (store nothing); Locked (any miss fails, no model call); Off",
        Kind = SettingKind.Choice,
        Choices = ["ReadWrite", "ReadOnly", "Locked", "Off"],
        Default = "ReadWrite",
        Property = "GleitzeitCacheMode",
        Flag = "--cache-mode",
        Environment = "GLEITZEIT_CACHE_MODE",
    };

    public static readonly SettingDefinition CheckModels = new()
    {
        Key = "check_models",
        Description = "ask the server for each model's digest even when every item is cached, so a model pulled again is noticed",
        Kind = SettingKind.Boolean,
        Default = "false",
        Property = "GleitzeitCheckModels",
        Flag = "--check-models",
    };

    public static readonly SettingDefinition Formats = new()
    {
        Key = "formats",
        Description = "the artifact formats a build writes",
        Kind = SettingKind.ChoiceList,
        Choices = ["json", "csv", "md"],
        Default = "json;csv;md",
        InConfigFile = false,
        Property = "GleitzeitFormats",
    };

    public static readonly SettingDefinition FailOnError = new()
    {
        Key = "fail_on_error",
        Description = "whether a failed item fails the build (false: a warning)",
        Kind = SettingKind.Boolean,
        Default = "true",
        InConfigFile = false,
        Property = "GleitzeitFailOnError",
    };

    public static readonly SettingDefinition Verify = new()
    {
        Key = "verify",
        Description = "compute the artifacts, write nothing, and fail (GZ3006) naming each one that would change",
        Kind = SettingKind.Boolean,
        Default = "false",
        InConfigFile = false,
        Property = "GleitzeitVerify",
        Flag = "--verify",
        Environment = "GLEITZEIT_VERIFY",
    };

    public static readonly SettingDefinition MaxTokensTotal = new()
    {
        Key = "max_tokens_total",
        Description = "a budget of prompt and answer tokens for a run: refused before the first call when the misses' estimate is over it, stopped when the tokens served pass it",
        Kind = SettingKind.Integer,
        Minimum = 1,
        Maximum = 1_000_000_000_000,
        Property = "GleitzeitMaxTokens",
        Flag = "--max-tokens-total",
        Environment = "GLEITZEIT_MAX_TOKENS_TOTAL",
    };

    /// <summary>Every row, in the order help texts and docs/settings.md list them.</summary>
    public static IReadOnlyList<SettingDefinition> All { get; } =
    [
        Provider, Endpoint, ApiKeyVariable, Model, VisionModel, MaxConcurrent, TimeoutPerFile, FirstChunkTimeout, IdleTimeout, RequestTimeout,
        RetryAttempts, RateLimitWait, RequestsPerMinute, TokensPerMinute, MaxFileSize, EmptyFiles, EmptyAnswers, KeepReasoning, LongDocuments, CombinePrompt, Execution,
        MaxWords, MinWords, MaxChars, MinChars, MustMatch, MustNotMatch, RequireJson, Judge, JudgeModel, MinScore, ChecksFail, ContextLength, DefaultPattern, ModifiedSince, ResultsDirectory, CacheDirectory,
        ModelsDirectory, CacheMode, CheckModels, Verify, MaxTokensTotal, Formats, FailOnError,
    ];

    /// <summary>The row for <paramref name="key"/>, or null.</summary>
    public static SettingDefinition? Find(string key)
    {
        foreach (var setting in All)
        {
            if (setting.Key == key)
            {
                return setting;
            }
        }

        return null;
    }
}

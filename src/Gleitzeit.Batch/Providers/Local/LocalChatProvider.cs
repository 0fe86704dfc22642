using System.Diagnostics;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>
/// The model runs in this process (llama.cpp through LLamaSharp): no server, no key. A model is a GGUF file, a URL
/// downloaded once, or an alias of a pinned model; it is loaded once per process and answers one item at a time (one
/// sequence uses both cores of a small machine; see docs/benchmarks.md, "The local model"). Its digest is the file's
/// SHA-256, so a replaced file re-keys the cache and a moved one does not; an alias or a downloaded URL knows its
/// digest without the file, so a build whose answers are all cached needs no model at all.
/// </summary>
public sealed class LocalChatProvider : IChatProvider
{
    /// <summary>What every local model is called in cache keys: the digest alone names the weights.</summary>
    public const string KeyName = "local";

    private readonly LocalProviderOptions _options;
    private readonly ModelDownloader _downloader;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly InferenceThread _thread = new();
    private LocalModel? _loaded;
    private bool _loadReported;

    public LocalChatProvider(LocalProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _downloader = new ModelDownloader(new ModelDownloadOptions
        {
            ModelsDirectory = options.ModelsDirectory,
            RequestTimeout = options.RequestTimeout,
            IdleTimeout = options.IdleTimeout,
            RetryAttempts = options.RetryAttempts,
            RetryDelayScale = options.RetryDelayScale,
            Time = options.Time,
            Progress = t => Progress?.Invoke(t),
        });
    }

    /// <summary>Hears how a model download is coming along (the batch's progress display shows it).</summary>
    public Action<ModelTransfer>? Progress { get; set; }

    /// <summary>What stands for a server's address in records and messages.</summary>
    public const string Description = "the local model";

    public string Endpoint => Description;

    public string? ServiceIdentity => null;

    /// <summary>False: a prompt longer than the window is refused here, never cut.</summary>
    public bool TruncatesSilently => false;

    public int Servers => 1;

    /// <summary>Two: one generating, one waiting on the inference thread, ready to start the moment the first ends.</summary>
    public int MaxInFlight => 2;

    public string NormalizeModel(string model) => Spec(model).Name;

    public string KeyModelName(string model) => KeyName;

    public ModelInfo? KnownModelInfo(string model)
    {
        var spec = Spec(model);
        if (ModelDownloader.ExpectedSha256(spec) is { } expected)
        {
            return new ModelInfo(expected, null);
        }

        try
        {
            return File.Exists(spec.Path) ? new ModelInfo(_downloader.Digests.Of(spec.Path), null) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>In process: nothing refuses a call, and one runs at a time anyway.</summary>
    public bool CanRefuse => false;

    public async Task<ModelInfo> GetModelInfoAsync(string model, CancellationToken cancellationToken)
    {
        var (spec, digest) = await FileOfAsync(model, cancellationToken);
        var loaded = await _thread.RunAsync(() => Loaded(spec, digest));
        return new ModelInfo(loaded.Digest, loaded.ContextLength);
    }

    public async Task<ChatCompletion> CompleteAsync(ChatCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var sampling = LocalSampling.From(call.Options, call.Format);
        var (spec, digest) = await FileOfAsync(call.Model, cancellationToken);

        // Loading (when the model changed) and generating are one step on the inference thread: the next call waits
        // there, ready, so nothing but a queue hand-off lies between two generations.
        var (answer, model, load) = await _thread.RunAsync(() =>
        {
            var model = Loaded(spec, digest);
            var load = _loadReported ? TimeSpan.Zero : model.LoadTime;
            _loadReported = true;
            return (model.Generate(call.Messages, sampling, call.Timeouts, _options.Time, cancellationToken), model.Path, load);
        });
        // Stopped by num_predict or the context window before the model ended it: cut short, whatever the format.
        var (text, reasoning) = AnswerCheck.Finish(answer.Text, null, answer.EndedByModel ? AnswerEnd.Finished : AnswerEnd.CutAtLimit, answer.CompletionTokens, "num_predict (or context_length)", call.Rules);

        return new ChatCompletion(
            text,
            new TokenCounts { Prompt = answer.PromptTokens, Completion = answer.CompletionTokens },
            new ModelDurations
            {
                Total = Nanoseconds(answer.PromptTime + answer.GenerationTime + load),
                Load = Nanoseconds(load),
                PromptEval = Nanoseconds(answer.PromptTime),
                Eval = Nanoseconds(answer.GenerationTime),
            })
        {
            ServedBy = new ServedBy { Model = Path.GetFileName(model) },
            Reasoning = reasoning,
        };
    }

    public void Dispose()
    {
        _thread.RunAsync(() =>
        {
            _loaded?.Dispose();
            _loaded = null;
            return 0;
        }).GetAwaiter().GetResult();
        _thread.Dispose();
        _downloader.Dispose();
        _gate.Dispose();
    }

    private static long Nanoseconds(TimeSpan time) => time.Ticks * 100;

    private LocalModelSpec Spec(string model)
    {
        try
        {
            return LocalModelSpec.Parse(model, _options.ModelsDirectory, _options.WorkingDirectory);
        }
        catch (Configuration.ConfigurationException ex)
        {
            throw new ChatProviderException(ex.Message, DiagnosticCodes.InvalidSetting, isTransient: false, stopsBatch: true);
        }
    }

    // The file in place and its digest; one download at a time.
    private async Task<(LocalModelSpec Spec, string Digest)> FileOfAsync(string model, CancellationToken cancellationToken)
    {
        var spec = Spec(model);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return (spec, await _downloader.EnsureAsync(spec, cancellationToken));
        }
        finally
        {
            _gate.Release();
        }
    }

    // On the inference thread only: one model in memory at a time (items are sent grouped by model).
    private LocalModel Loaded(LocalModelSpec spec, string digest)
    {
        if (_loaded is not null && _loaded.Path == spec.Path && _loaded.Digest == digest)
        {
            return _loaded;
        }

        _loaded?.Dispose();
        _loaded = null;
        _loadReported = false;
        try
        {
            _loaded = LocalModel.Load(spec.Path, digest, _options.ContextLength, _options.PromptThreads, _options.GenerationThreads);
        }
        catch (ChatProviderException ex) when (spec.Url is not null && spec.PinnedSha256 is null)
        {
            // A bare URL's first download is trusted as it came (a server may send no length to check it by): say how to fetch it again.
            throw new ChatProviderException(
                $"{ex.Message}; it was downloaded from {Secrets.Redact(spec.Url.AbsoluteUri)}: delete {spec.Path} and {spec.Path}.sha256 to download it again",
                ex.Code,
                isTransient: false,
                stopsBatch: true,
                ex);
        }

        return _loaded;
    }
}

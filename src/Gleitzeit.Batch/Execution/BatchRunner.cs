using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Results;
using Polly;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// Runs a batch: works out every item's cache key first (reading files in turn, keeping only hashes),
/// serves hits, sends misses concurrently with retries, and records each result the moment it exists.
/// The server is contacted only when something must be sent.
/// </summary>
public sealed class BatchRunner
{
    private readonly IChatProvider _provider;
    private readonly BatchSettings _settings;
    private readonly ResultStore _store;
    private readonly IProgress<BatchProgressEvent>? _progress;
    private readonly CacheStore? _cache;

    public BatchRunner(IChatProvider provider, BatchSettings settings, ResultStore store, IProgress<BatchProgressEvent>? progress = null)
    {
        _provider = provider;
        _settings = settings;
        _store = store;
        _progress = progress;
        _cache = settings.CacheMode == CacheMode.Off ? null : new CacheStore(settings.CacheDirectory, Warn);
    }

    private bool WritesCache => _settings.CacheMode == CacheMode.ReadWrite;

    /// <summary>Starts a new batch record and runs every item of <paramref name="plan"/>.</summary>
    public Task<BatchOutcome> RunAsync(BatchPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var record = _store.Create(plan, _provider.Endpoint, DateTimeOffset.Now);
        return ExecuteAsync(record, plan.Items, cancellationToken);
    }

    /// <summary>Runs again only the failed, skipped and unfinished items of a recorded batch, updating the same record.</summary>
    /// <exception cref="KeyNotFoundException">There is no batch with that id.</exception>
    public Task<BatchOutcome> ResumeAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var record = _store.Load(batchId) ?? throw new KeyNotFoundException($"no batch '{batchId}' in {_store.Directory}");
        var items = record.Unfinished.ToList();
        record.Status = BatchStatus.Running;
        record.Error = null;
        record.ErrorCode = null;
        _store.Save(record);
        return ExecuteAsync(record, items, cancellationToken);
    }

    /// <summary>
    /// Says what a run would do, item by item, without contacting the server: keys use the model digest
    /// remembered from the last contact, so a model pulled since then shows as cached here.
    /// </summary>
    public async Task<IReadOnlyList<ItemPreview>> PreviewAsync(BatchPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var previews = new List<ItemPreview>();
        foreach (var item in plan.Items.Where(i => i.Problem is not null))
        {
            previews.Add(new ItemPreview(item.File, item.Problem!.Kind == FileProblemKind.TooLarge ? PreviewAction.Skip : PreviewAction.Fail, item.Problem.Message));
        }

        var previousKeys = _cache?.LoadBatchIndex(IndexId(plan)) ?? new Dictionary<string, string>();
        foreach (var key in await ComputeKeysAsync(plan, [.. plan.Items.Where(i => i.Problem is null)], digestOverride: null, cancellationToken))
        {
            if (key.Error is not null)
            {
                previews.Add(new ItemPreview(key.Item.File, PreviewAction.Fail, key.Error));
            }
            else if (key.LooksCached)
            {
                previews.Add(new ItemPreview(key.Item.File, PreviewAction.Cached, null));
            }
            else
            {
                var reasons = _cache is null ? "cache off" : string.Join("; ", Explain(previousKeys, key));
                previews.Add(_settings.CacheMode == CacheMode.Locked
                    ? new ItemPreview(key.Item.File, PreviewAction.Fail, "cache miss in Locked mode: " + reasons)
                    : new ItemPreview(key.Item.File, PreviewAction.Send, reasons));
            }
        }

        return [.. previews.OrderBy(p => p.File, StringComparer.Ordinal)];
    }

    private async Task<BatchOutcome> ExecuteAsync(BatchRecord record, IReadOnlyList<BatchItem> items, CancellationToken cancellationToken)
    {
        var tracker = new ProgressTracker(items.Count, _progress);
        foreach (var item in items)
        {
            tracker.Queued(item.File);
        }

        var pending = new List<BatchItem>(items.Count);
        foreach (var item in items)
        {
            if (item.Problem is { } problem)
            {
                RecordProblem(record, tracker, item, problem);
            }
            else
            {
                pending.Add(item);
            }
        }

        using var batchCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var fatal = new FatalError();
        var sent = 0;
        var indexId = IndexId(record.Plan);
        var previousKeys = _cache?.LoadBatchIndex(indexId) ?? new Dictionary<string, string>();
        var usedKeys = new Dictionary<string, string>(previousKeys, StringComparer.Ordinal);
        try
        {
            var keys = await ComputeKeysAsync(record.Plan, pending, digestOverride: null, batchCancellation.Token);
            if (_cache is not null && _settings.CacheMode != CacheMode.Locked && keys.Any(k => k.Error is null && !k.LooksCached))
            {
                try
                {
                    keys = await RefreshDigestsAsync(record.Plan, keys, batchCancellation.Token);
                }
                catch (ChatProviderException ex) when (ex.StopsBatch)
                {
                    // Nothing can be sent; what the cache holds under the remembered digest is still served.
                    fatal.Set(ex);
                }
            }

            var misses = new List<ItemKey>();
            foreach (var key in keys)
            {
                if (key.Error is not null)
                {
                    Fail(record, tracker, key.Item, key.Error, key.ErrorCode ?? DiagnosticCodes.InvalidFileFormat, TimeSpan.Zero, key.Key?.Value, wasInFlight: false);
                }
                else if (!(key.LooksCached && TryServeHit(record, tracker, key)))
                {
                    misses.Add(key);
                }
            }

            if (fatal.Exception is not null)
            {
                // The misses stay unfinished in the record, for the next run or batch-resume.
            }
            else if (_settings.CacheMode == CacheMode.Locked)
            {
                foreach (var miss in misses)
                {
                    var reasons = Explain(previousKeys, miss);
                    Fail(record, tracker, miss.Item, $"cache miss in Locked mode: not sent to the model ({string.Join("; ", reasons)}); build once without Locked to compute it", DiagnosticCodes.LockedCacheMiss, TimeSpan.Zero, miss.Key?.Value, wasInFlight: false);
                }
            }
            else
            {
                sent = await SendAllAsync(record, tracker, misses, previousKeys, fatal, batchCancellation);
            }
        }
        catch (ChatProviderException ex) when (ex.StopsBatch)
        {
            fatal.Set(ex);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || fatal.Exception is not null)
        {
        }

        record.Status = cancellationToken.IsCancellationRequested ? BatchStatus.Cancelled
            : fatal.Exception is not null ? BatchStatus.Aborted
            : BatchStatus.Completed;
        record.Error = fatal.Exception?.Message;
        record.ErrorCode = fatal.Exception?.Code;
        record.CompletedAt = DateTimeOffset.Now;
        record.WallTime = Math.Round(tracker.Elapsed.TotalSeconds, 3);
        _store.Save(record);
        if (WritesCache && _cache is not null)
        {
            // Only keys with a stored answer: a miss is then explained against what the cache really holds.
            foreach (var result in record.Results.Values.Where(r => r.Status == ItemResult.Success && r.CacheKey is not null))
            {
                usedKeys[result.File] = result.CacheKey!;
            }

            _cache.SaveBatchIndex(indexId, usedKeys);
        }

        return new BatchOutcome { Record = record, Elapsed = tracker.Elapsed, Sent = sent, Attempted = items.Count };
    }

    private async Task<List<ItemKey>> ComputeKeysAsync(BatchPlan plan, IReadOnlyList<BatchItem> items, IReadOnlyDictionary<string, string?>? digestOverride, CancellationToken cancellationToken)
    {
        var keys = items.Select(i => new ItemKey { Item = i, Template = plan.Templates[i.Template] }).ToList();
        if (_cache is null)
        {
            return keys;
        }

        var digests = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var model in keys.Select(k => k.Model).Distinct(StringComparer.Ordinal))
        {
            digests[model] = digestOverride is not null && digestOverride.TryGetValue(model, out var fresh) ? fresh : _cache.GetRememberedDigest(ModelNames.Normalize(model));
        }

        await Parallel.ForEachAsync(
            keys,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            async (key, token) =>
            {
                try
                {
                    var (messages, input) = await ComposeAsync(key, token);
                    key.Key = CacheKey.Compute(messages, ModelNames.Normalize(key.Model), digests[key.Model], key.Template.Options, key.Template.Format, key.Item.FullPath is null ? null : key.Item.File, input?.ContentSha256, TemplateHash(key.Template));
                    key.LooksCached = _cache.Contains(key.Key.Value);
                }
                catch (InvalidInputException ex)
                {
                    key.Error = ex.Message;
                    key.ErrorCode = DiagnosticCodes.InvalidFileFormat;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    key.Error = $"cannot read {key.Item.FullPath}: {ex.Message}";
                    key.ErrorCode = DiagnosticCodes.FileNotFound;
                }
            });
        return keys;
    }

    // Keys were computed with the digest remembered from the last contact; now that something must be sent,
    // ask the server which weights stand behind each model, and re-key the items whose model was pulled again.
    private async Task<List<ItemKey>> RefreshDigestsAsync(BatchPlan plan, List<ItemKey> keys, CancellationToken cancellationToken)
    {
        var pipeline = RetryPipeline.Create(_settings, (ex, attempt, delay, file) => Retrying(file, ex, attempt, delay));
        var changed = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var model in keys.Where(k => k.Error is null && !k.LooksCached).Select(k => k.Model).Distinct(StringComparer.Ordinal))
        {
            var normalized = ModelNames.Normalize(model);
            var digest = await pipeline.ExecuteAsync(async token => await _provider.GetModelDigestAsync(model, token), cancellationToken);
            if (digest != _cache!.GetRememberedDigest(normalized))
            {
                changed[model] = digest;
                if (WritesCache && digest is not null)
                {
                    _cache.RememberDigest(normalized, digest);
                }
            }
        }

        if (changed.Count == 0)
        {
            return keys;
        }

        var rekeyed = await ComputeKeysAsync(plan, [.. keys.Where(k => changed.ContainsKey(k.Model)).Select(k => k.Item)], changed, cancellationToken);
        var byFile = rekeyed.ToDictionary(k => k.Item.File, StringComparer.Ordinal);
        return [.. keys.Select(k => byFile.GetValueOrDefault(k.Item.File) ?? k)];
    }

    private bool TryServeHit(BatchRecord record, ProgressTracker tracker, ItemKey key)
    {
        if (_cache!.TryGet(key.Key!.Value) is not { } entry)
        {
            return false;
        }

        if (WritesCache)
        {
            _cache.Touch(entry.Key);
        }

        _store.Record(record, new ItemResult
        {
            File = key.Item.File,
            Status = ItemResult.Success,
            Result = entry.Response,
            ProcessingTime = entry.ProcessingTime,
            Tokens = entry.Tokens,
            Cached = true,
            CacheKey = entry.Key,
            OutputFile = key.Item.OutputFile,
        });
        tracker.CacheHit(key.Item.File, entry.Response, TimeSpan.FromSeconds(entry.ProcessingTime));
        return true;
    }

    private async Task<int> SendAllAsync(BatchRecord record, ProgressTracker tracker, List<ItemKey> misses, IReadOnlyDictionary<string, string> previousKeys, FatalError fatal, CancellationTokenSource batchCancellation)
    {
        // Grouped by model so a batch mixing models does not force the server to reload weights per item.
        var modelOrder = misses.Select(m => m.Model).Distinct(StringComparer.Ordinal).Select((m, i) => (m, i)).ToDictionary(p => p.m, p => p.i, StringComparer.Ordinal);
        var ordered = misses.OrderBy(m => modelOrder[m.Model]).ThenBy(m => m.Item.File, StringComparer.Ordinal).ToList();
        var sent = 0;
        var pipeline = RetryPipeline.Create(_settings, (ex, attempt, delay, file) => Retrying(file, ex, attempt, delay));
        await Parallel.ForEachAsync(
            ordered,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _settings.MaxConcurrent), CancellationToken = batchCancellation.Token },
            async (miss, token) =>
            {
                var clock = Stopwatch.StartNew();
                tracker.Started(miss.Item.File);
                Interlocked.Increment(ref sent);
                try
                {
                    var context = ResilienceContextPool.Shared.Get(token);
                    context.Properties.Set(RetryPipeline.ItemKey, miss.Item.File);
                    ChatCompletion completion;
                    try
                    {
                        completion = await pipeline.ExecuteAsync(
                            async (ctx, state) =>
                            {
                                var (messages, _) = await ComposeAsync(state, ctx.CancellationToken);
                                return await _provider.CompleteAsync(new ChatCall(ModelNames.Normalize(state.Model), messages, state.Template.Options, state.Template.Format, Timeouts), ctx.CancellationToken);
                            },
                            context,
                            miss);
                    }
                    finally
                    {
                        ResilienceContextPool.Shared.Return(context);
                    }

                    var seconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
                    if (WritesCache && miss.Key is { } key)
                    {
                        _cache!.Put(new CacheEntry
                        {
                            Key = key.Value,
                            Inputs = key.Inputs,
                            Source = key.Source,
                            Response = completion.Text,
                            Tokens = completion.Tokens,
                            Durations = completion.Durations,
                            ProcessingTime = seconds,
                            WrittenAt = DateTimeOffset.UtcNow,
                        });
                    }

                    _store.Record(record, new ItemResult
                    {
                        File = miss.Item.File,
                        Status = ItemResult.Success,
                        Result = completion.Text,
                        ProcessingTime = seconds,
                        Tokens = completion.Tokens,
                        CacheKey = miss.Key?.Value,
                        MissReasons = _cache is null ? null : Explain(previousKeys, miss),
                        OutputFile = miss.Item.OutputFile,
                    });
                    tracker.Completed(miss.Item.File, completion.Text, clock.Elapsed);
                }
                catch (ChatProviderException ex) when (ex.StopsBatch)
                {
                    tracker.Abandoned();
                    if (fatal.Set(ex))
                    {
                        await batchCancellation.CancelAsync();
                    }
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    tracker.Abandoned();
                }
                catch (ChatProviderException ex)
                {
                    Fail(record, tracker, miss.Item, ex.Message, ex.Code, clock.Elapsed, miss.Key?.Value, wasInFlight: true);
                }
                catch (InvalidInputException ex)
                {
                    Fail(record, tracker, miss.Item, ex.Message, DiagnosticCodes.InvalidFileFormat, clock.Elapsed, miss.Key?.Value, wasInFlight: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Fail(record, tracker, miss.Item, $"cannot read {miss.Item.FullPath}: {ex.Message}", DiagnosticCodes.FileNotFound, clock.Elapsed, miss.Key?.Value, wasInFlight: true);
                }
            });
        return sent;
    }

    private ChatTimeouts Timeouts => new(_settings.FirstChunkTimeout, _settings.IdleTimeout, _settings.TimeoutPerFile);

    private static async Task<(IReadOnlyList<ComposedMessage> Messages, LoadedInput? Input)> ComposeAsync(ItemKey key, CancellationToken cancellationToken)
    {
        var input = key.Item.FullPath is null ? null : await InputLoader.LoadAsync(key.Item.FullPath, key.Template.Vision, cancellationToken);
        return (MessageComposer.Compose(key.Template.Messages, key.Item.File, input), input);
    }

    private IReadOnlyList<string> Explain(IReadOnlyDictionary<string, string> previousKeys, ItemKey miss)
    {
        if (_cache is null || miss.Key is null)
        {
            return [];
        }

        var previousKey = previousKeys.GetValueOrDefault(miss.Item.File);
        var previous = previousKey is null || previousKey == miss.Key.Value ? null : _cache.TryGet(previousKey);
        return CacheMissExplainer.Explain(previous, previousKey, miss.Key);
    }

    private void RecordProblem(BatchRecord record, ProgressTracker tracker, BatchItem item, FileProblem problem)
    {
        if (problem.Kind == FileProblemKind.TooLarge)
        {
            _store.Record(record, new ItemResult { File = item.File, Status = ItemResult.Skipped, Error = problem.Message, ErrorCode = DiagnosticCodes.FileTooLarge, OutputFile = item.OutputFile });
            tracker.Skipped(item.File, problem.Message);
        }
        else
        {
            Fail(record, tracker, item, problem.Message, DiagnosticCodes.FileNotFound, TimeSpan.Zero, null, wasInFlight: false);
        }
    }

    private void Fail(BatchRecord record, ProgressTracker tracker, BatchItem item, string error, string code, TimeSpan time, string? cacheKey, bool wasInFlight)
    {
        _store.Record(record, new ItemResult
        {
            File = item.File,
            Status = ItemResult.Failed,
            Error = error,
            ErrorCode = code,
            ProcessingTime = Math.Round(time.TotalSeconds, 3),
            CacheKey = cacheKey,
            OutputFile = item.OutputFile,
        });
        tracker.Failed(item.File, error, time, wasInFlight);
    }

    private void Retrying(string? file, ChatProviderException ex, int attempt, TimeSpan delay) =>
        _progress?.Report(new BatchProgressEvent(BatchEventKind.Retrying, file, $"attempt {attempt} of {_settings.RetryAttempts} in {delay.TotalSeconds:0.0} s: {ex.Message}", null, new BatchCounts(0, 0, 0, 0, 0, 0, 0), TimeSpan.Zero, null));

    private void Warn(string message) =>
        _progress?.Report(new BatchProgressEvent(BatchEventKind.Warning, null, message, null, new BatchCounts(0, 0, 0, 0, 0, 0, 0), TimeSpan.Zero, null));

    private static string TemplateHash(PromptTemplate template)
    {
        var builder = new StringBuilder();
        foreach (var message in template.Messages)
        {
            builder.Append(message.Role).Append('\0').Append(message.Content).Append('\0');
        }

        return InputLoader.Sha256Hex(builder.ToString());
    }

    // Identifies "the same batch" across runs, for explaining misses: its source, name and root.
    private static string IndexId(BatchPlan plan) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{plan.Source}\0{plan.Name}\0{plan.Root}")))[..32];

    private sealed class FatalError
    {
        private ChatProviderException? _exception;

        public ChatProviderException? Exception => Volatile.Read(ref _exception);

        public bool Set(ChatProviderException exception) => Interlocked.CompareExchange(ref _exception, exception, null) is null;
    }
}

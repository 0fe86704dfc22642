using System.Security.Cryptography;
using System.Text;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Results;

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

        using var cancellation = new CancellationTokenSource();
        var run = NewRun(new BatchRecord { BatchId = "preview", Plan = plan }, 0, cancellation);
        var keys = await ItemKeying.ComputeAsync(plan, plan.Items.Where(i => i.Problem is null), _cache, m => _cache?.GetRememberedDigest(ModelNames.Normalize(m)), cancellationToken);
        foreach (var key in keys)
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
                var reasons = _cache is null ? "cache off" : string.Join("; ", run.Explain(key));
                previews.Add(_settings.CacheMode == CacheMode.Locked
                    ? new ItemPreview(key.Item.File, PreviewAction.Fail, "cache miss in Locked mode: " + reasons)
                    : new ItemPreview(key.Item.File, PreviewAction.Send, reasons));
            }
        }

        return [.. previews.OrderBy(p => p.File, StringComparer.Ordinal)];
    }

    private BatchRun NewRun(BatchRecord record, int total, CancellationTokenSource cancellation) =>
        new(record, new ProgressTracker(total, _progress), _store, _cache, _settings, new(() => _cache?.LoadBatchIndex(IndexId(record.Plan)) ?? new Dictionary<string, string>()), cancellation);

    private async Task<BatchOutcome> ExecuteAsync(BatchRecord record, IReadOnlyList<BatchItem> items, CancellationToken cancellationToken)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = NewRun(record, items.Count, cancellation);
        foreach (var item in items)
        {
            run.Tracker.Queued(item.File);
        }

        foreach (var item in items.Where(i => i.Problem is not null))
        {
            run.Problem(item, item.Problem!);
        }

        var digests = new ModelDigests(_provider, _cache, _settings, Retrying);
        var sender = new MissSender(run, _provider, digests, RetryPipeline.Create(_settings, Retrying));
        try
        {
            await ServeAndSendAsync(run, digests, sender, [.. items.Where(i => i.Problem is null)]);
        }
        catch (ChatProviderException ex) when (ex.StopsBatch)
        {
            run.Stop(ex);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }

        return Finish(run, items.Count, sender.Sent, cancellationToken.IsCancellationRequested);
    }

    private async Task ServeAndSendAsync(BatchRun run, ModelDigests digests, MissSender sender, List<BatchItem> items)
    {
        var token = run.Cancellation.Token;
        var usedDigests = new Dictionary<string, string?>(StringComparer.Ordinal);
        var keys = await ItemKeying.ComputeAsync(run.Record.Plan, items, _cache, m => usedDigests[m] = digests.Remembered(m), token);
        foreach (var failed in keys.Where(k => k.Error is not null))
        {
            run.Fail(failed.Item, failed.Error!, failed.ErrorCode ?? DiagnosticCodes.InvalidFileFormat, TimeSpan.Zero, failed.Key?.Value, wasInFlight: false);
        }

        keys = [.. keys.Where(k => k.Error is null)];
        var misses = keys.Where(k => !k.LooksCached).ToList();
        if (_settings.CacheMode == CacheMode.Locked)
        {
            ServeHits(run, keys.Where(k => k.LooksCached), misses);
            foreach (var miss in misses)
            {
                run.Fail(miss.Item, $"cache miss in Locked mode: not sent to the model ({string.Join("; ", run.Explain(miss))}); build once without Locked to compute it", DiagnosticCodes.LockedCacheMiss, TimeSpan.Zero, miss.Key?.Value, wasInFlight: false);
            }

            return;
        }

        // Misses go out at once, grouped by model so the server does not reload weights per item; meanwhile the
        // server is asked which weights stand behind those models, and hits of a model pulled again are re-keyed.
        var sending = sender.RunAsync();
        foreach (var miss in ByModel(misses))
        {
            sender.Enqueue(miss);
        }

        try
        {
            var hits = keys.Where(k => k.LooksCached).ToList();
            try
            {
                await RekeyPulledModelsAsync(run, digests, sender, misses, hits, usedDigests);
            }
            catch (ChatProviderException ex) when (ex.StopsBatch)
            {
                // Nothing can be sent; what the cache holds under the remembered digest is still served.
                run.Stop(ex);
            }
            catch (OperationCanceledException) when (run.Fatal is not null)
            {
                // A call already stopped the run (e.g. the model is gone): serve the hits all the same.
            }

            var corrupt = new List<ItemKey>();
            ServeHits(run, hits, corrupt);
            foreach (var miss in corrupt)
            {
                sender.Enqueue(miss);
            }
        }
        finally
        {
            sender.Complete();
        }

        try
        {
            await sending;
        }
        catch (OperationCanceledException) when (run.Fatal is not null)
        {
        }

        run.Cancellation.Token.ThrowIfCancellationRequested();
    }

    // A model pulled again since the last contact invalidates its hits: they are re-keyed and, missing now, sent.
    private async Task RekeyPulledModelsAsync(BatchRun run, ModelDigests digests, MissSender sender, List<ItemKey> misses, List<ItemKey> hits, Dictionary<string, string?> usedDigests)
    {
        if (_cache is null)
        {
            return;
        }

        var token = run.Cancellation.Token;
        foreach (var model in misses.Select(m => m.Model).Distinct(StringComparer.Ordinal))
        {
            var digest = await digests.VerifyAsync(model, token);
            if (digest == usedDigests.GetValueOrDefault(model))
            {
                continue;
            }

            var stale = hits.Where(h => h.Model == model).ToList();
            var rekeyed = await ItemKeying.ComputeAsync(run.Record.Plan, stale.Select(h => h.Item), _cache, _ => digest, token);
            hits.RemoveAll(h => h.Model == model);
            hits.AddRange(rekeyed.Where(k => k.Error is null && k.LooksCached));
            foreach (var miss in rekeyed.Where(k => k.Error is null && !k.LooksCached))
            {
                sender.Enqueue(miss);
            }
        }
    }

    private static void ServeHits(BatchRun run, IEnumerable<ItemKey> hits, List<ItemKey> unreadable)
    {
        foreach (var hit in hits)
        {
            if (run.Cache!.TryGet(hit.Key!.Value) is not { } entry)
            {
                unreadable.Add(hit);
                continue;
            }

            if (run.WritesCache)
            {
                run.Cache.Touch(entry.Key);
            }

            var result = new ItemResult
            {
                File = hit.Item.File,
                Status = ItemResult.Success,
                Result = entry.Response,
                ProcessingTime = entry.ProcessingTime,
                Tokens = entry.Tokens,
                Cached = true,
                CacheKey = entry.Key,
                OutputFile = hit.Item.OutputFile,
            };
            run.Succeed(hit.Item, result, entry.Response, TimeSpan.FromSeconds(entry.ProcessingTime), cached: true);
        }
    }

    private BatchOutcome Finish(BatchRun run, int attempted, int sent, bool cancelled)
    {
        var record = run.Record;
        record.Status = cancelled ? BatchStatus.Cancelled : run.Fatal is not null ? BatchStatus.Aborted : BatchStatus.Completed;
        record.Error = run.Fatal?.Message;
        record.ErrorCode = run.Fatal?.Code;
        record.CompletedAt = DateTimeOffset.Now;
        record.WallTime = Math.Round(run.Tracker.Elapsed.TotalSeconds, 3);
        _store.Save(record);
        if (run.WritesCache)
        {
            // Only keys with a stored answer, so that the next run's misses are explained against what the cache holds.
            var indexId = IndexId(record.Plan);
            var keys = new Dictionary<string, string>(_cache!.LoadBatchIndex(indexId), StringComparer.Ordinal);
            foreach (var result in record.Results.Values.Where(r => r.Status == ItemResult.Success && r.CacheKey is not null))
            {
                keys[result.File] = result.CacheKey!;
            }

            _cache.SaveBatchIndex(indexId, keys);
        }

        return new BatchOutcome { Record = record, Elapsed = run.Tracker.Elapsed, Sent = sent, Attempted = attempted };
    }

    private static IEnumerable<ItemKey> ByModel(List<ItemKey> misses)
    {
        var order = misses.Select(m => m.Model).Distinct(StringComparer.Ordinal).Select((m, i) => (m, i)).ToDictionary(p => p.m, p => p.i, StringComparer.Ordinal);
        return misses.OrderBy(m => order[m.Model]).ThenBy(m => m.Item.File, StringComparer.Ordinal);
    }

    private void Retrying(ChatProviderException ex, int attempt, TimeSpan delay, string? file) =>
        _progress?.Report(new BatchProgressEvent(BatchEventKind.Retrying, file, $"attempt {attempt} of {_settings.RetryAttempts} in {delay.TotalSeconds:0.0} s: {ex.Message}", null, new BatchCounts(0, 0, 0, 0, 0, 0, 0), TimeSpan.Zero, null));

    private void Warn(string message) =>
        _progress?.Report(new BatchProgressEvent(BatchEventKind.Warning, null, message, null, new BatchCounts(0, 0, 0, 0, 0, 0, 0), TimeSpan.Zero, null));

    // Identifies "the same batch" across runs, for explaining misses: its source, name and root.
    private static string IndexId(BatchPlan plan) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{plan.Source}\0{plan.Name}\0{plan.Root}")))[..32];
}

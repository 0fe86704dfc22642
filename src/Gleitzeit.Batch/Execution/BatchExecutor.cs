using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Contract;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Providers.Local;
using Gleitzeit.Batch.Providers.OpenAi;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// Runs a batch: works out every item's cache key first (reading files in turn, keeping hashes and the text of small misses), serves hits,
/// sends misses concurrently with retries, and records each result the moment it exists. The server is contacted only
/// when something must be sent (or <c>check_models</c> asks for it).
/// </summary>
internal sealed class BatchExecutor(IChatProvider provider, BatchSettings settings, ResultStore store, CacheStore? cache, IProgress<BatchProgressEvent>? progress, TimeProvider time)
{
    private readonly CachePolicy _policy = new(settings.CacheMode);
    private BulkStep? _bulk;

    /// <summary>Starts a new batch record and runs every item of <paramref name="plan"/>.</summary>
    public async Task<BatchOutcome> RunAsync(BatchPlan plan, RunOptions? options, CancellationToken cancellationToken)
    {
        var inProcess = ProviderPresets.For(settings.Provider).InProcess;
        var origin = new BatchOrigin
        {
            Provider = settings.Provider,
            Endpoint = provider.Endpoint,
            ApiKeyVariable = inProcess ? null : settings.ApiKeyVariable,
            ModelsDirectory = inProcess ? settings.ModelsDirectory : null,
            WorkingDirectory = settings.WorkingDirectory,
            RunSettings = Configuration.RunSettings.Of(settings),
        };
        var (record, held) = store.CreateHeld(plan, origin, time.GetLocalNow());
        using var _ = held;
        return await ExecuteAsync(record, plan.Items, options?.Artifact, cancellationToken);
    }

    /// <summary>Runs again only the failed, skipped and unfinished items of a recorded batch, updating the same record.</summary>
    /// <exception cref="KeyNotFoundException">There is no batch with that id.</exception>
    /// <exception cref="BatchBusyException">Another process is running it.</exception>
    public async Task<BatchOutcome> ResumeAsync(string batchId, CancellationToken cancellationToken)
    {
        using var held = store.Lock(batchId);
        var record = store.Load(batchId) ?? throw new KeyNotFoundException($"no batch '{batchId}' in {store.Directory}");
        if (record.Plan.Templates.Select(t => settings.ReviewOver(t.Review)).ToList() is var reviews && reviews.Where((r, i) => r != record.Plan.Templates[i].Review).Any())
        {
            // New checks or judge given to the resume: every answered item is reviewed again by them.
            record.Plan = record.Plan.WithTemplates([.. record.Plan.Templates.Select((t, i) => t.WithReview(reviews[i]))]);
            foreach (var answered in record.Results.Values.Where(r => r.Checks is not null).ToList())
            {
                record.Results[answered.File] = answered with { Checks = null };
            }
        }

        var items = record.Unfinished.ToList();
        record.Status = BatchStatus.Running;
        record.Error = null;
        record.ErrorCode = null;
        store.Save(record);
        return await ExecuteAsync(record, items, null, cancellationToken);
    }

    private async Task<BatchOutcome> ExecuteAsync(BatchRecord record, IReadOnlyList<BatchItem> items, ArtifactAnswers? artifact, CancellationToken cancellationToken)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tracker = new ProgressTracker(items.Count, progress, time);
        var run = new RunState(record, tracker, store, cache, _policy, settings, cancellation) { Artifact = _policy.Serves ? artifact : null };
        foreach (var item in items)
        {
            tracker.Queued(item.File);
        }

        foreach (var warning in record.Plan.Warnings ?? [])
        {
            tracker.Warning(warning);
        }

        foreach (var item in items.Where(i => i.Problem is not null))
        {
            run.Problem(item);
        }

        if (provider is OllamaServers servers)
        {
            servers.Warn = message => tracker.Warning(message);
        }

        var busy = new BusyClock(time, settings.RateLimitWait);
        var retries = RetryPipeline.Create(settings, time, busy, (ex, budget, delay) => Retrying(tracker, ex, budget, delay));
        var catalog = new ModelCatalog(provider, run.Cache, run.Artifact, _policy, retries, tracker.Warning);
        if (provider is LocalChatProvider local)
        {
            local.Progress = tracker.Transfer;
        }

        var concurrency = new AdaptiveConcurrency(Math.Min(settings.MaxConcurrent * Math.Max(1, provider.Servers), provider.MaxInFlight), time);
        var pacer = new RatePacer(time, settings.RequestsPerMinute, settings.TokensPerMinute, tracker.Retrying);
        var scope = KeyScope.Of(provider) with { Rules = KeyScope.RulesOf(settings) };
        var sender = new MissSender(run, provider, catalog, retries, concurrency, pacer, scope, time);
        try
        {
            await ServeAndSendAsync(run, catalog, sender, scope, [.. items.Where(i => i.Problem is null)]);
        }
        catch (ChatProviderException ex) when (ex.StopsBatch)
        {
            run.Stop(ex);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }

        // Checks apply even when the run stopped (its answers are still recorded); a judge is then not asked.
        var review = new ReviewStep(run, catalog, sender, scope, time);
        try
        {
            await review.RunAsync(items.Where(i => i.Problem is null), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            review.MarkUnreviewed(items);
        }

        return Finish(run, sender, cancellationToken.IsCancellationRequested);
    }

    private async Task ServeAndSendAsync(RunState run, ModelCatalog catalog, MissSender sender, KeyScope scope, List<BatchItem> items)
    {
        var token = run.Cancellation.Token;
        var keys = await ItemKeying.ComputeAsync(run.Record.Plan, items, run.Answers, settings, scope, catalog.Remembered, run.Kept, token);
        foreach (var unsendable in keys.Where(k => !k.CanBeSent))
        {
            run.NotSent(unsendable);
        }

        keys = [.. keys.Where(k => k.CanBeSent)];
        var misses = keys.Where(k => !k.LooksCached).ToList();
        var hits = keys.Where(k => k.LooksCached).ToList();
        if (_policy.Sends && TokenBudget.Refuses(settings, misses) is { } overBudget)
        {
            // Nothing is sent; what the artifact and the cache hold is still served, and the rest resumes.
            run.Halt(overBudget);
            ServeHits(run, hits);
            return;
        }
        if (!_policy.Sends)
        {
            if (settings.CheckModels)
            {
                hits = await RekeyAsync(run, catalog, scope, hits, misses, enqueue: misses.Add);
            }

            var unreadable = ServeHits(run, hits);
            var pending = settings.Bulk ? PendingRemotely(scope) : [];
            foreach (var miss in misses.Concat(unreadable))
            {
                if (miss.Key is not null && pending.TryGetValue(miss.Key.Value, out var remote))
                {
                    run.Fail(miss.Item, $"cache miss in Locked mode: its request waits in remote batch {remote} of the Batch API; build once without Locked to collect it", DiagnosticCodes.BulkSubmitted, TimeSpan.Zero, miss.Key.Value, wasInFlight: false);
                    continue;
                }

                run.Fail(miss.Item, $"cache miss in Locked mode: not sent to the model ({string.Join("; ", run.Explain(miss))}); build once without Locked to compute it", DiagnosticCodes.LockedCacheMiss, TimeSpan.Zero, miss.Key?.Value, wasInFlight: false);
            }

            return;
        }

        if (settings.Bulk)
        {
            // Hits first; the misses go to the Batch API but for documents sent in parts, which stay live calls.
            misses.AddRange(ServeHits(run, hits));
            hits = [];
            _bulk = new BulkStep(run, BulkProvider(run), scope, time);
            misses = await _bulk.RunAsync(misses, token);
            if (misses.Count == 0)
            {
                return;
            }
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
            try
            {
                hits = await RekeyAsync(run, catalog, scope, hits, misses, enqueue: sender.Enqueue);
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

            foreach (var corrupt in ServeHits(run, hits))
            {
                sender.Enqueue(corrupt);
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

        token.ThrowIfCancellationRequested();
    }

    private OpenAiChatProvider BulkProvider(RunState run)
    {
        if (provider is not OpenAiChatProvider { TakesBulk: true } service)
        {
            throw new ChatProviderException($"execution: bulk takes provider openai or azure-openai (the services with a Batch API), not {settings.Provider}: set {settings.Spell(Contract.Settings.Execution)} to live", DiagnosticCodes.InvalidSetting, isTransient: false, stopsBatch: true);
        }

        if (run.Cache is null || !_policy.Stores)
        {
            throw new ChatProviderException($"execution: bulk keeps collected answers in the cache, which cache_mode {settings.CacheMode} does not write: use cache_mode ReadWrite, or execution: live", DiagnosticCodes.InvalidSetting, isTransient: false, stopsBatch: true);
        }

        return service;
    }

    // Keys whose requests wait in remote batches, by what the ledger says (no request to the service).
    private Dictionary<string, string> PendingRemotely(KeyScope scope)
    {
        var pending = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new Bulk.BulkLedger(settings.ResultsDirectory).Load().Entries.Where(e => e.Service == scope.Service))
        {
            foreach (var key in entry.Keys.Keys)
            {
                pending[key] = entry.BatchId ?? entry.Id;
            }
        }

        return pending;
    }

    // A model pulled again since the last contact invalidates its hits: they are re-keyed and, missing now, sent.
    private async Task<List<ItemWork>> RekeyAsync(RunState run, ModelCatalog catalog, KeyScope scope, List<ItemWork> hits, List<ItemWork> misses, Action<ItemWork> enqueue)
    {
        if (run.Cache is null && run.Artifact is null)
        {
            return hits;
        }

        var token = run.Cancellation.Token;
        var models = misses.Select(m => m.Model);
        if (settings.CheckModels)
        {
            models = models.Concat(hits.Select(h => h.Model));
        }

        foreach (var model in models.Distinct(StringComparer.Ordinal).ToList())
        {
            var remembered = catalog.Remembered(model);
            var verified = await catalog.VerifyAsync(model, token);
            if (verified is null || (verified.Digest == remembered?.Digest && (!scope.FitsContext || verified.ContextLength == remembered?.ContextLength)))
            {
                continue;
            }

            var stale = hits.Where(h => h.Model == model).ToList();
            var rekeyed = await ItemKeying.ComputeAsync(run.Record.Plan, stale.Select(h => h.Item), run.Answers, settings, scope, _ => verified, run.Kept, token);
            hits.RemoveAll(h => h.Model == model);
            foreach (var work in rekeyed)
            {
                if (!work.CanBeSent)
                {
                    run.NotSent(work);
                }
                else if (work.LooksCached)
                {
                    hits.Add(work);
                }
                else
                {
                    enqueue(work);
                }
            }
        }

        return hits;
    }

    // Serves what the committed artifact, then the cache holds; returns the hits whose entry turned out unreadable, to be sent after all.
    private static List<ItemWork> ServeHits(RunState run, IEnumerable<ItemWork> hits)
    {
        var unreadable = new List<ItemWork>();
        foreach (var hit in hits)
        {
            if (run.Artifact?.TryGet(hit.Key!.Value) is { } committed)
            {
                run.Succeed(hit.Item, MissSender.ArtifactResult(hit, committed), committed.Result, TimeSpan.FromSeconds(committed.ProcessingTime), cached: true, ItemResult.FromArtifact);
                continue;
            }

            if (run.Cache?.TryGet(hit.Key!.Value) is not { } entry)
            {
                unreadable.Add(hit);
                continue;
            }

            if (run.Policy.Stores)
            {
                run.Cache.Touch(entry.Key);
            }

            run.Succeed(hit.Item, MissSender.HitResult(hit, entry), entry.Response, TimeSpan.FromSeconds(entry.ProcessingTime), cached: true, ItemResult.FromCache);
        }

        return unreadable;
    }

    private BatchOutcome Finish(RunState run, MissSender sender, bool cancelled)
    {
        var record = run.Record;
        record.Status = cancelled ? BatchStatus.Cancelled : run.Fatal is not null ? BatchStatus.Aborted : record.Submitted > 0 ? BatchStatus.Submitted : BatchStatus.Completed;
        record.Error = run.Fatal?.Message;
        record.ErrorCode = run.Fatal?.Code;
        record.CompletedAt = time.GetLocalNow();
        record.WallTime = Math.Round(run.Tracker.Elapsed.TotalSeconds, 3);
        store.Save(record);

        // Only keys with a stored answer, so that the next run's misses are explained against what the cache holds.
        run.TryStore(_ => run.Misses?.Save(record.Results.Values.Where(r => r.Status == ItemResult.Success && r.CacheKey is not null).Select(r => (r.File, r.CacheKey!))));
        return new BatchOutcome
        {
            Record = record,
            Elapsed = run.Tracker.Elapsed,
            Sent = sender.Sent,
            Judged = sender.Judged,
            JudgeTokens = sender.JudgeTokens,
            Collected = _bulk?.Collected ?? 0,
            Submitted = _bulk?.Submitted ?? 0,
        };
    }

    private static IEnumerable<ItemWork> ByModel(List<ItemWork> misses)
    {
        var order = misses.Select(m => m.Model).Distinct(StringComparer.Ordinal).Select((m, i) => (m, i)).ToDictionary(p => p.m, p => p.i, StringComparer.Ordinal);
        return misses.OrderBy(m => order[m.Model]).ThenBy(m => m.Item.File, StringComparer.Ordinal);
    }

    private static void Retrying(ProgressTracker tracker, ChatProviderException ex, RetryBudget budget, TimeSpan delay)
    {
        var condition = string.IsNullOrEmpty(ex.Condition) ? ex.Message : ex.Condition;
        if (ex.IsBusy)
        {
            tracker.Retrying($"{condition}\0{delay.TotalSeconds:0}", $"{condition}: waiting {Seconds(delay)} before sending again, fewer at once");
        }
        else
        {
            tracker.Retrying($"{condition}\0{budget.NextAttempt}", $"attempt {budget.NextAttempt} of {budget.MaxAttempts} in {Seconds(delay)}: {condition}");
        }
    }

    private static string Seconds(TimeSpan delay) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{delay.TotalSeconds:0.0} s");
}

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Bulk;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Providers.OpenAi;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// <c>execution: bulk</c>: with the ledger held, collects every finished remote batch into the cache, serves the
/// misses that answered, fails those the service could not answer (after bounded re-submissions), submits the rest as
/// Batch API jobs and records them as submitted; with <c>--wait</c>, checks again until all are answered or the wait is over.
/// </summary>
internal sealed class BulkStep(RunState run, OpenAiChatProvider provider, KeyScope scope, TimeProvider time)
{
    /// <summary>The most times a key is submitted in a row when its answer keeps failing for a passing reason.</summary>
    public const int MaxAttempts = 3;

    private static readonly TimeSpan LedgerWait = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, (BulkLine Line, int Attempt)> _failures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _mine = new(StringComparer.Ordinal);

    /// <summary>Requests submitted by this run.</summary>
    public int Submitted { get; private set; }

    /// <summary>Answers this run collected for its own items.</summary>
    public int Collected { get; private set; }

    // Input files and downloads of this results directory's ledger, apart from other ledgers sharing the cache: whoever
    // holds the ledger owns them, so what a killed run left there is removed by the next.
    private string Scratch => Path.Combine(run.Cache!.Directory, "bulk", Serialization.Hashes.Sha256Hex(Path.GetFullPath(run.Settings.ResultsDirectory))[..16]);

    /// <summary>Settles <paramref name="misses"/>; returns those that go as live calls (documents sent in parts).</summary>
    public async Task<List<ItemWork>> RunAsync(List<ItemWork> misses, CancellationToken token)
    {
        var live = misses.Where(m => m.Split).ToList();
        var open = misses.Where(m => !m.Split).ToList();
        if (open.Count == 0)
        {
            return live;
        }

        _mine.UnionWith(open.Select(m => m.Key!.Value));
        var ledger = new BulkLedger(run.Settings.ResultsDirectory);
        var remote = new BulkRemote(provider.BatchApi(), ledger, Scratch, Warn);
        var started = time.GetTimestamp();
        var interval = run.Settings.BulkPollInterval;
        while (true)
        {
            using (await LockAsync(ledger, token))
            {
                try
                {
                    BulkInputFile.RemoveLeftovers(Scratch);
                    _pending.Clear();
                    _failures.Clear();
                    await CollectAsync(ledger, remote, token);
                    open = Settle(open);
                    await SubmitAsync(ledger, remote, [.. open.Where(m => !_pending.ContainsKey(m.Key!.Value))], token);
                    open = [.. open.Where(m => _pending.ContainsKey(m.Key!.Value))];
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Every step is saved before the next: the next run picks up whatever this one got to.
                    throw Unwritable(ledger, ex);
                }
            }

            var waited = time.GetElapsedTime(started);
            if (open.Count == 0 || run.Settings.BulkWait is not { } wait || waited >= wait)
            {
                break;
            }

            var pause = interval < wait - waited ? interval : wait - waited;
            run.Tracker.Retrying(
                $"bulk\0{waited.Ticks}",
                $"{open.Count} request(s) in {Plural(_pending.Values.Distinct(StringComparer.Ordinal).Count(), "remote batch", "remote batches")} ({Statuses()}); checking again in {pause.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s");
            await Task.Delay(pause, time, token);
            interval = interval * 2 < LongestPoll ? interval * 2 : LongestPoll;
        }

        foreach (var miss in open)
        {
            run.Submitted(miss.Item, _pending[miss.Key!.Value], miss.Key.Value);
        }

        return live;
    }

    // The ledger, or a batch-wide error that says why not: another process kept it too long, or it cannot be written.
    private async Task<IDisposable> LockAsync(BulkLedger ledger, CancellationToken token)
    {
        try
        {
            return await ledger.LockAsync(LedgerWait, time, token);
        }
        catch (TimeoutException ex)
        {
            throw new ChatProviderException(ex.Message, DiagnosticCodes.BatchBusy, isTransient: false, stopsBatch: true, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unwritable(ledger, ex);
        }
    }

    private ChatProviderException Unwritable(BulkLedger ledger, Exception ex) =>
        new($"the bulk ledger ({ledger.Directory}) or its input files ({Scratch}) cannot be written ({ex.Message}); nothing more is submitted: free space or make them writable (results_directory, cache_directory), then run again", DiagnosticCodes.OutputWriteFailed, isTransient: false, stopsBatch: true, ex);

    private string Statuses() => string.Join(", ", run.Record.RemoteBatches.Where(p => !p.Value.Collected).Select(p => $"{p.Key} {p.Value.Status} {p.Value.Completed}/{p.Value.Total}"));

    // Every entry of this service: recovered when a run left it half submitted, checked, and collected once finished.
    private async Task CollectAsync(BulkLedger ledger, BulkRemote remote, CancellationToken token)
    {
        var (entries, unreadable) = ledger.Load();
        if (unreadable.Count > 0)
        {
            // Its keys may be in a remote batch this run cannot see: submitting could send them twice.
            throw new ChatProviderException(
                $"{unreadable[0]}: bulk ledger entry cannot be read (cut short or edited{(unreadable.Count > 1 ? $"; {unreadable.Count - 1} more beside it" : string.Empty)}); nothing is submitted while it is there, since the requests it holds may still be pending: restore it, or remove it to forget its remote batch (whose requests are then sent again)",
                DiagnosticCodes.InvalidSetting,
                isTransient: false,
                stopsBatch: true);
        }

        foreach (var entry in entries)
        {
            if (entry.Service != scope.Service)
            {
                continue;
            }

            RemoteBatch? batch;
            try
            {
                batch = entry.State == BulkEntry.Submitted ? await remote.PollAsync(entry, token) : await remote.RecoverAsync(entry, token);
            }
            catch (ChatProviderException ex) when (ex.IsGone && entry.State == BulkEntry.Submitted)
            {
                // The service no longer has it (deleted, or another account's): its requests are free to go again.
                Warn($"remote batch {entry.BatchId} is gone from the service ({ex.Message}); its {entry.Keys.Count} request(s) are sent again");
                ledger.Remove(entry);
                continue;
            }
            catch (ChatProviderException ex) when (!ex.StopsBatch)
            {
                // Not known now: its keys stay pending, never submitted again meanwhile.
                Warn($"remote batch of ledger entry {entry.Id} could not be checked ({ex.Message}); the next run tries again");
                Pend(entry, entry.BatchId ?? entry.Id);
                continue;
            }

            if (batch is null)
            {
                continue;
            }

            var mine = entry.SubmittedBy == run.Record.BatchId || entry.Keys.Keys.Any(_mine.Contains);
            if (!batch.IsTerminal)
            {
                Pend(entry, batch.Id);
                if (mine)
                {
                    Seen(batch, entry, collected: false);
                }

                continue;
            }

            IReadOnlyDictionary<string, BulkLine> lines;
            try
            {
                lines = await remote.CollectAsync(entry, batch, token);
            }
            catch (ChatProviderException ex) when (ex.IsGone)
            {
                // Its output or error file is gone: what it answered cannot be had; its requests go again.
                Warn($"remote batch {batch.Id} cannot be collected: a file of it is gone from the service ({ex.Message}); its {entry.Keys.Count} request(s) are sent again");
                ledger.Remove(entry);
                continue;
            }
            catch (ChatProviderException ex) when (!ex.StopsBatch)
            {
                Warn($"remote batch {batch.Id} could not be collected ({ex.Message}); the next run tries again");
                Pend(entry, batch.Id);
                continue;
            }

            foreach (var (key, line) in lines)
            {
                Store(entry.Keys[key], key, line, batch);
            }

            ledger.Remove(entry);
            await remote.DeleteFilesAsync(entry, batch, token);
            if (mine)
            {
                Seen(batch, entry, collected: true);
            }
        }
    }

    // Every warning of the Batch API's side, with the key taken out of whatever the service said.
    private void Warn(string message) => run.Tracker.Warning(provider.Redact(message), DiagnosticCodes.BulkFailed);

    private void Pend(BulkEntry entry, string batchId)
    {
        foreach (var key in entry.Keys.Keys)
        {
            _pending[key] = batchId;
        }
    }

    // The service counts a batch's requests only once it has validated them (0 before): until then, the entry's count.
    private void Seen(RemoteBatch batch, BulkEntry entry, bool collected) =>
        run.RemoteSeen(batch.Id, batch.Status, batch.Total > 0 ? batch.Total : entry.Keys.Count, batch.Completed, batch.Failed, collected, time.GetUtcNow());

    // An answer goes into the cache under its key only when complete by the rules a live answer meets.
    private void Store(BulkKey key, string customId, BulkLine line, RemoteBatch batch)
    {
        if (line.Body is null)
        {
            _failures[customId] = (line, key.Attempt);
            return;
        }

        ChatCompletion completion;
        try
        {
            completion = OpenAiBulkWire.ReadAnswer(line.Body, scope.Rules);
        }
        catch (ChatProviderException ex)
        {
            _failures[customId] = (new BulkLine(customId, null, ex.Message, ex.IsTransient) { Code = ex.Code }, key.Attempt);
            return;
        }

        if (CacheKey.HashOf(key.Inputs) != customId)
        {
            _failures[customId] = (new BulkLine(customId, null, $"the ledger's record of this request does not match its key (edited?); remote batch {batch.Id}'s answer is not kept", false), key.Attempt);
            return;
        }

        run.TryStore(cache => cache.Put(MissSender.Entry(new CacheKey(customId, key.Inputs, key.Source ?? []), completion, 0)));
    }

    // Each open miss: answered now (collected into the cache), failed for good, or still to be submitted or waited for.
    private List<ItemWork> Settle(List<ItemWork> open)
    {
        var left = new List<ItemWork>();
        foreach (var miss in open)
        {
            var key = miss.Key!.Value;
            if (run.Cache!.TryGet(key) is { } entry)
            {
                Collected++;
                run.Succeed(miss.Item, Answered(miss, entry), entry.Response, TimeSpan.Zero, cached: false, wasInFlight: false);
            }
            else if (_pending.ContainsKey(key))
            {
                left.Add(miss);
            }
            else if (_failures.TryGetValue(key, out var failure) && (!failure.Line.Transient || failure.Attempt >= MaxAttempts))
            {
                var attempts = failure.Attempt == 1 ? "1 submission" : $"{failure.Attempt} submissions";
                run.Fail(miss.Item, provider.Redact($"{failure.Line.Error} (Batch API, after {attempts})"), failure.Line.Code ?? DiagnosticCodes.BulkFailed, TimeSpan.Zero, key, wasInFlight: false);
            }
            else
            {
                _attempts[key] = _failures.TryGetValue(key, out var passing) ? passing.Attempt + 1 : 1;
                left.Add(miss);
            }
        }

        return left;
    }

    private ItemResult Answered(ItemWork miss, CacheEntry entry) => new()
    {
        File = miss.Item.File,
        Status = ItemResult.Success,
        Result = entry.Response,
        Tokens = entry.Tokens,
        ServedBy = entry.ServedBy,
        CacheKey = entry.Key,
        Model = miss.Model,
        ModelDigest = entry.Inputs["model_digest"]?.GetValue<string>(),
        MissReasons = run.Misses is null ? null : run.Explain(miss),
        OutputFile = miss.Item.OutputFile,
        Extractor = miss.Extractor,
    };

    // The misses go in as few files as the service's limits allow; each file is an entry, saved before its upload.
    private async Task SubmitAsync(BulkLedger ledger, BulkRemote remote, List<ItemWork> misses, CancellationToken token)
    {
        BulkEntry? entry = null;
        BulkInputFile? file = null;
        var byKey = misses.ToDictionary(m => m.Key!.Value, StringComparer.Ordinal);
        try
        {
            foreach (var miss in misses.OrderBy(m => m.Item.File, StringComparer.Ordinal))
            {
                if (await LineOf(miss, remote.Api.ChatPath, token) is not { } line)
                {
                    continue;
                }

                if (line.Length > run.Settings.BulkMaxBytes)
                {
                    run.Fail(miss.Item, $"its request ({line.Length} bytes) is larger than a Batch API input file may be ({run.Settings.BulkMaxBytes} bytes): send it with execution: live", DiagnosticCodes.FileTooLarge, TimeSpan.Zero, miss.Key!.Value, wasInFlight: false);
                    continue;
                }

                if (file is not null && (file.Count >= run.Settings.BulkMaxRequests || file.Bytes + line.Length > run.Settings.BulkMaxBytes))
                {
                    await SendAsync(ledger, remote, entry!, file, byKey, token);
                    file = null;
                }

                if (file is null)
                {
                    entry = new BulkEntry
                    {
                        Id = Guid.NewGuid().ToString("N"),
                        State = BulkEntry.Prepared,
                        CreatedAt = time.GetUtcNow(),
                        Service = scope.Service!,
                        SubmittedBy = run.Record.BatchId,
                        Keys = new(StringComparer.Ordinal),
                    };
                    file = new BulkInputFile(Path.Combine(Scratch, entry.Id + ".jsonl"));
                }

                file.Write(line);
                entry!.Keys[miss.Key!.Value] = new BulkKey { File = miss.Item.File, Inputs = miss.Key.Inputs, Source = miss.Key.Source, Attempt = _attempts.GetValueOrDefault(miss.Key.Value, 1) };
            }

            if (file is not null)
            {
                await SendAsync(ledger, remote, entry!, file, byKey, token);
                file = null;
            }
        }
        finally
        {
            if (file is not null)
            {
                file.Dispose();
                BulkRemote.TryDelete(file.Path);
            }
        }
    }

    private async Task SendAsync(BulkLedger ledger, BulkRemote remote, BulkEntry entry, BulkInputFile file, Dictionary<string, ItemWork> byKey, CancellationToken token)
    {
        file.Close();
        file.Dispose();

        // The entry is on disk before anything leaves: a process killed from here on is picked up by the next run.
        ledger.Save(entry);
        try
        {
            var batch = await remote.SubmitAsync(entry, file.Path, token);
            Submitted += entry.Keys.Count;
            Pend(entry, batch.Id);
            Seen(batch, entry, collected: false);
        }
        catch (ChatProviderException ex) when (entry.State == BulkEntry.Prepared && ex.ServerAnswered && !ex.IsTransient)
        {
            // The service refused the upload (a bad key, no Batch API there, a file it will not take): nothing was submitted.
            ledger.Remove(entry);
            if (ex.StopsBatch)
            {
                throw;
            }

            foreach (var key in entry.Keys.Keys)
            {
                run.Fail(byKey[key].Item, provider.Redact($"the Batch API refused the input file: {ex.Message}"), ex.Code, TimeSpan.Zero, key, wasInFlight: false);
            }
        }
        catch (ChatProviderException ex) when (!ex.StopsBatch)
        {
            // Whether the service took it is not known now: its keys wait for the next run to find out.
            Warn($"submitting {entry.Keys.Count} request(s) was interrupted ({ex.Message}); the next run finds out whether the service took them and sends them only if not");
            Pend(entry, entry.BatchId ?? entry.Id);
        }
    }

    // One request line: the custom_id is the cache key, the body what a live call of the item sends.
    private async Task<byte[]?> LineOf(ItemWork miss, string chatPath, CancellationToken token)
    {
        try
        {
            var (messages, input) = ItemKeying.Compose(miss, run.Settings, token, kept: run.Kept);

            // The request goes under the key worked out when the run first read the file: a file edited since (read
            // again here, its text being over what a run keeps) would have its new text answered under the old one's key.
            if (miss.Key!.Source["content_sha256"]?.GetValue<string>() is { } keyed && input?.ContentSha256 is { } now && now != keyed)
            {
                run.Fail(miss.Item, "the file changed while the run read it: not submitted; the next run sends it as it is then", DiagnosticCodes.FileNotFound, TimeSpan.Zero, miss.Key.Value, wasInFlight: false);
                return null;
            }

            var timeouts = new ChatTimeouts(run.Settings.FirstChunkTimeout, run.Settings.IdleTimeout, run.Settings.TimeoutPerFile);
            var body = provider.BulkWire.RequestBody(new ChatCall(scope.NormalizeModel(miss.Model), messages, miss.Options, miss.Template.Format, timeouts) { Rules = scope.Rules });
            var line = new JsonObject { ["custom_id"] = miss.Key!.Value, ["method"] = "POST", ["url"] = chatPath, ["body"] = body };
            return Encoding.UTF8.GetBytes(line.ToJsonString() + "\n");
        }
        catch (ChatProviderException ex)
        {
            run.Fail(miss.Item, ex.Message, ex.Code, TimeSpan.Zero, miss.Key?.Value, wasInFlight: false);
        }
        catch (Exception ex) when (ex is InvalidInputException or IOException or UnauthorizedAccessException)
        {
            run.NotReadable(miss, ex, TimeSpan.Zero, wasInFlight: false);
        }

        return null;
    }

    private static string Plural(int count, string one, string many) => count == 1 ? $"1 {one}" : $"{count} {many}";
}

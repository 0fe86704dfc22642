using Gleitzeit.Batch.Contract;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Execution;

/// <summary>The state of one run of a batch, shared by its steps: where results go, what the cache allows, how it stops.</summary>
internal sealed class RunState(BatchRecord record, ProgressTracker tracker, ResultStore store, CacheStore? cache, CachePolicy policy, BatchSettings settings, CancellationTokenSource cancellation)
{
    private ChatProviderException? _fatal;
    private int _cacheWriteFailed;

    public BatchRecord Record { get; } = record;

    public ProgressTracker Tracker { get; } = tracker;

    /// <summary>The cache, when the mode reads it.</summary>
    public CacheStore? Cache { get; } = policy.Serves ? cache : null;

    public CachePolicy Policy { get; } = policy;

    /// <summary>The text of misses kept from keying to sending; null when the run sends nothing (Locked).</summary>
    public KeptInputs? Kept { get; } = policy.Sends ? new KeptInputs() : null;

    public BatchSettings Settings { get; } = settings;

    public CancellationTokenSource Cancellation { get; } = cancellation;

    public MissIndex? Misses { get; } = policy.Serves && cache is not null ? new MissIndex(cache, record.Plan) : null;

    /// <summary>The committed JSON artifact, when the mode reads caches: served before the cache directory.</summary>
    public ArtifactAnswers? Artifact { get; init; }

    /// <summary>Where keyed answers may be found without the model: the artifact, then the cache directory.</summary>
    public AnswerTiers Answers => new(Artifact, Cache);

    /// <summary>The batch-wide error that stopped the run, if any.</summary>
    public ChatProviderException? Fatal => Volatile.Read(ref _fatal);

    /// <summary>Sends nothing more, letting calls in flight finish (their answers are paid for); the first such error wins.</summary>
    public void Halt(ChatProviderException exception) => Interlocked.CompareExchange(ref _fatal, exception, null);

    /// <summary>Stops the whole run with <paramref name="exception"/>; the first such error wins.</summary>
    public void Stop(ChatProviderException exception)
    {
        if (Interlocked.CompareExchange(ref _fatal, exception, null) is null)
        {
            Cancellation.Cancel();
        }
    }

    public void Succeed(BatchItem item, ItemResult result, string text, TimeSpan time, bool cached, string? source = null, bool wasInFlight = true)
    {
        store.Record(Record, result);
        if (cached)
        {
            Tracker.CacheHit(item.File, result.Parts is { } parts ? $"({parts} parts) {text}" : text, time, source ?? ItemResult.FromCache);
        }
        else
        {
            Tracker.Completed(item.File, text, time, wasInFlight);
        }
    }

    /// <summary>Records an answered item again with its checks and its judge's verdict.</summary>
    public void Reviewed(BatchItem item, ItemResult result) => store.Record(Record, result);

    public void Fail(BatchItem item, string error, string code, TimeSpan time, string? cacheKey, bool wasInFlight)
    {
        store.Record(Record, new ItemResult
        {
            File = item.File,
            Status = ItemResult.Failed,
            Error = error,
            ErrorCode = code,
            ProcessingTime = Math.Round(time.TotalSeconds, 3),
            CacheKey = cacheKey,
            OutputFile = item.OutputFile,
        });
        Tracker.Failed(item.File, error, time, wasInFlight);
    }

    public void Skip(BatchItem item, string reason, string code, bool wasInFlight = false)
    {
        store.Record(Record, new ItemResult { File = item.File, Status = ItemResult.Skipped, Error = reason, ErrorCode = code, OutputFile = item.OutputFile });
        Tracker.Skipped(item.File, reason, wasInFlight);
    }

    /// <summary>Records an item whose request waits in a remote batch of the Batch API.</summary>
    public void Submitted(BatchItem item, string remoteBatch, string cacheKey)
    {
        var message = $"submitted to the Batch API in remote batch {remoteBatch}; the next run or build collects its answer";
        store.Record(Record, new ItemResult { File = item.File, Status = ItemResult.Submitted, Error = message, ErrorCode = DiagnosticCodes.BulkSubmitted, CacheKey = cacheKey, OutputFile = item.OutputFile, RemoteBatch = remoteBatch });
        Tracker.Submitted(item.File, message);
    }

    /// <summary>Records what was last seen of a remote batch that holds some of this batch's requests.</summary>
    public void RemoteSeen(string batchId, string status, int total, int completed, int failed, bool collected, DateTimeOffset now)
    {
        lock (Record.RemoteBatches)
        {
            if (!Record.RemoteBatches.TryGetValue(batchId, out var state))
            {
                Record.RemoteBatches[batchId] = state = new RemoteBatchState { Status = status };
            }

            state.Status = status;
            state.Total = total;
            state.Completed = completed;
            state.Failed = failed;
            state.Collected |= collected;
            state.SeenAt = now;
        }
    }

    /// <summary>
    /// Records an item whose input could not be made into a request: an invalid input (a skip or a failure by its
    /// kind), or a file that could not be read.
    /// </summary>
    public void NotReadable(ItemWork miss, Exception exception, TimeSpan time, bool wasInFlight)
    {
        if (exception is InvalidInputException { IsSkip: true } skip)
        {
            Skip(miss.Item, skip.Message, skip.Code, wasInFlight);
        }
        else if (exception is InvalidInputException invalid)
        {
            Fail(miss.Item, invalid.Message, invalid.Code, time, miss.Key?.Value, wasInFlight);
        }
        else
        {
            Fail(miss.Item, $"cannot read {miss.Item.File}: {exception.Message}", DiagnosticCodes.FileNotFound, time, miss.Key?.Value, wasInFlight);
        }
    }

    /// <summary>Records an item that is not sent, as a skip or a failure by its kind.</summary>
    public void NotSent(ItemWork work, bool wasInFlight = false)
    {
        if (work.IsSkip)
        {
            Skip(work.Item, work.Error!, work.ErrorCode!, wasInFlight);
        }
        else
        {
            Fail(work.Item, work.Error!, work.ErrorCode!, TimeSpan.Zero, work.Key?.Value, wasInFlight);
        }
    }

    /// <summary>Why an item missed, against the key its previous run stored.</summary>
    public IReadOnlyList<string> Explain(ItemWork miss) =>
        Misses is null || miss.Key is null ? [] : Misses.Explain(miss.Item.File, miss.Key);

    /// <summary>
    /// Stores an answer in the cache. A failure to write (disk full, a directory in the way) loses nothing: the answer
    /// is in the batch record and the artifacts; it is one warning for the batch, naming the cache, not an item failure.
    /// </summary>
    public void TryStore(Action<CacheStore> write)
    {
        if (!Policy.Stores || Cache is null)
        {
            return;
        }

        try
        {
            write(Cache);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            CacheNotWritable(ex);
        }
    }

    /// <summary>Reports, once per run, that the cache could not be written.</summary>
    public void CacheNotWritable(Exception ex)
    {
        if (Interlocked.Exchange(ref _cacheWriteFailed, 1) == 0)
        {
            Tracker.Warning($"{Cache?.Directory}: the cache could not be written ({ex.Message}); answers are kept in the batch record and outputs, but a later run will send them again", DiagnosticCodes.OutputWriteFailed);
        }
    }

    public void Problem(BatchItem item)
    {
        var problem = item.Problem!;
        if (problem.IsSkip)
        {
            Skip(item, problem.Message, problem.Code);
        }
        else
        {
            Fail(item, problem.Message, problem.Code, TimeSpan.Zero, null, wasInFlight: false);
        }
    }
}

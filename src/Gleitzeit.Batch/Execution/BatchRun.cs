using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Discovery;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Execution;

/// <summary>The state of one run of a batch, shared by its steps: where results go, what is known, how it stops.</summary>
internal sealed class BatchRun(BatchRecord record, ProgressTracker tracker, ResultStore store, CacheStore? cache, BatchSettings settings, Lazy<IReadOnlyDictionary<string, string>> previousKeys, CancellationTokenSource cancellation)
{
    private ChatProviderException? _fatal;

    public BatchRecord Record { get; } = record;

    public ProgressTracker Tracker { get; } = tracker;

    public CacheStore? Cache { get; } = cache;

    public BatchSettings Settings { get; } = settings;

    public CancellationTokenSource Cancellation { get; } = cancellation;

    public bool WritesCache => Cache is not null && Settings.CacheMode == CacheMode.ReadWrite;

    /// <summary>The batch-wide error that stopped the run, if any.</summary>
    public ChatProviderException? Fatal => Volatile.Read(ref _fatal);

    /// <summary>Stops the whole run with <paramref name="exception"/>; the first such error wins.</summary>
    public void Stop(ChatProviderException exception)
    {
        if (Interlocked.CompareExchange(ref _fatal, exception, null) is null)
        {
            Cancellation.Cancel();
        }
    }

    public void Succeed(BatchItem item, ItemResult result, string text, TimeSpan time, bool cached)
    {
        store.Record(Record, result);
        if (cached)
        {
            Tracker.CacheHit(item.File, text, time);
        }
        else
        {
            Tracker.Completed(item.File, text, time);
        }
    }

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

    public void Problem(BatchItem item, FileProblem problem)
    {
        if (problem.Kind == FileProblemKind.TooLarge)
        {
            store.Record(Record, new ItemResult { File = item.File, Status = ItemResult.Skipped, Error = problem.Message, ErrorCode = DiagnosticCodes.FileTooLarge, OutputFile = item.OutputFile });
            Tracker.Skipped(item.File, problem.Message);
        }
        else
        {
            Fail(item, problem.Message, DiagnosticCodes.FileNotFound, TimeSpan.Zero, null, wasInFlight: false);
        }
    }

    /// <summary>Why an item missed, against the key its previous run stored.</summary>
    public IReadOnlyList<string> Explain(ItemKey miss)
    {
        if (Cache is null || miss.Key is null)
        {
            return [];
        }

        var previousKey = previousKeys.Value.GetValueOrDefault(miss.Item.File);
        var previous = previousKey is null || previousKey == miss.Key.Value ? null : Cache.TryGet(previousKey);
        return CacheMissExplainer.Explain(previous, previousKey, miss.Key);
    }
}

using Gleitzeit.Batch.Contract;

namespace Gleitzeit.Batch.Execution;

/// <summary>Keeps a batch's counts and turns each change into a <see cref="BatchProgressEvent"/>.</summary>
internal sealed class ProgressTracker(int total, IProgress<BatchProgressEvent>? progress, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly long _started = time.GetTimestamp();
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private int _succeeded;
    private int _failed;
    private int _skipped;
    private int _submitted;
    private int _cached;
    private int _inFlight;

    public TimeSpan Elapsed => time.GetElapsedTime(_started);

    public void Queued(string file) => Emit(BatchEventKind.Queued, file, null, null);

    public void Started(string file)
    {
        lock (_lock)
        {
            _inFlight++;
        }

        Emit(BatchEventKind.Started, file, null, null);
    }

    public void CacheHit(string file, string result, TimeSpan recordedTime, string source)
    {
        lock (_lock)
        {
            _succeeded++;
            _cached++;
        }

        Emit(BatchEventKind.CacheHit, file, Preview(result), recordedTime, source);
    }

    public void Completed(string file, string result, TimeSpan time, bool wasInFlight)
    {
        lock (_lock)
        {
            _succeeded++;
            if (wasInFlight)
            {
                _inFlight--;
            }
        }

        Emit(BatchEventKind.Completed, file, Preview(result), time);
    }

    public void Failed(string file, string error, TimeSpan time, bool wasInFlight)
    {
        lock (_lock)
        {
            _failed++;
            if (wasInFlight)
            {
                _inFlight--;
            }
        }

        Emit(BatchEventKind.Failed, file, error, time);
    }

    public void Skipped(string file, string reason, bool wasInFlight = false)
    {
        lock (_lock)
        {
            _skipped++;
            if (wasInFlight)
            {
                _inFlight--;
            }
        }

        Emit(BatchEventKind.Skipped, file, reason, TimeSpan.Zero);
    }

    public void Submitted(string file, string message)
    {
        lock (_lock)
        {
            _submitted++;
        }

        Emit(BatchEventKind.Submitted, file, message, TimeSpan.Zero);
    }

    /// <summary>A judge's verdict on an item's answer: called in this run, or served (<paramref name="source"/>).</summary>
    public void Judged(string file, Review.JudgeVerdict verdict, bool passed, string? source)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var message = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"score {verdict.Score:0.##}, {(passed ? "passed" : "failed")}: {verdict.Reason}");
        progress?.Report(new BatchProgressEvent { Kind = BatchEventKind.Judged, File = file, Message = message, Source = source, Elapsed = Elapsed });
    }

    public void Abandoned()
    {
        lock (_lock)
        {
            _inFlight--;
        }
    }

    /// <summary>A retry, reported once per condition and attempt however many items it holds up.</summary>
    public void Retrying(string condition, string message)
    {
        lock (_lock)
        {
            if (!_reported.Add("retry\0" + condition))
            {
                return;
            }
        }

        progress?.Report(new BatchProgressEvent { Kind = BatchEventKind.Retrying, Message = message, Elapsed = Elapsed });
    }

    /// <summary>How a model download is coming along: before any item of its model is answered.</summary>
    public void Transfer(Providers.Local.ModelTransfer transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        progress?.Report(new BatchProgressEvent
        {
            Kind = BatchEventKind.Preparing,
            Message = transfer.Finished ? $"model {transfer.Model} downloaded to {transfer.Path}" : $"downloading model {transfer.Model} to {transfer.Path}",
            Transfer = transfer,
            Elapsed = Elapsed,
        });
    }

    /// <summary>A warning, reported once however often it happens.</summary>
    public void Warning(string message, string? code = null)
    {
        lock (_lock)
        {
            if (!_reported.Add("warning\0" + message))
            {
                return;
            }
        }

        progress?.Report(new BatchProgressEvent { Kind = BatchEventKind.Warning, Message = message, Code = code, Elapsed = Elapsed });
    }

    /// <summary>The first words of a result, on one line.</summary>
    internal static string Preview(string text, int maxLength = 60)
    {
        // Only the first maxLength + 1 characters of the answer on one line decide the preview: they are collapsed
        // as they are read, not the whole answer split into words (an answer's worth of strings for every item).
        Span<char> line = stackalloc char[maxLength + 1];
        var length = 0;
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = length > 0;
                continue;
            }

            if (space)
            {
                line[length++] = ' ';
                space = false;
                if (length > maxLength)
                {
                    break;
                }
            }

            line[length++] = c;
            if (length > maxLength)
            {
                break;
            }
        }

        if (length <= maxLength)
        {
            return new string(line[..length]);
        }

        var cut = line[..maxLength].LastIndexOf(' ');
        if (cut < maxLength / 3)
        {
            cut = maxLength - 1;
        }

        return new string(line[..cut].TrimEnd()) + "...";
    }

    private void Emit(BatchEventKind kind, string? file, string? message, TimeSpan? itemTime, string? source = null)
    {
        if (progress is null)
        {
            return;
        }

        // Reported under the lock so that consumers see counts in the order they changed.
        lock (_lock)
        {
            var counts = new BatchCounts
            {
                Total = total,
                Done = _succeeded + _failed + _skipped + _submitted,
                Succeeded = _succeeded,
                Failed = _failed,
                Skipped = _skipped,
                Submitted = _submitted,
                Cached = _cached,
                InFlight = _inFlight,
            };
            var elapsed = Elapsed;
            TimeSpan? eta = counts.Done > 0 && counts.Done < total
                ? TimeSpan.FromTicks(elapsed.Ticks / counts.Done * (total - counts.Done))
                : counts.Done == total ? TimeSpan.Zero : null;
            progress.Report(new BatchProgressEvent { Kind = kind, File = file, Message = message, ItemTime = itemTime, Counts = counts, Elapsed = elapsed, Eta = eta, Source = source });
        }
    }
}

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// How many calls may be in flight, adjusted the way TCP adjusts its window (AIMD): halved when the server says it is
/// busy (503, 429), grown by one after as many successes in a row as the current limit, never above the configured
/// concurrency or below one. A busy but healthy server thus gets fewer requests until it copes, instead of failures.
/// </summary>
internal sealed class AdaptiveConcurrency
{
    private static readonly TimeSpan DecreaseSpacing = TimeSpan.FromMilliseconds(250);
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _waiting = new();
    private readonly int _maximum;
    private readonly TimeProvider _time;
    private int _limit;
    private int _inUse;
    private int _successes;
    private long _lastDecrease = long.MinValue;

    public AdaptiveConcurrency(int maximum, TimeProvider? time = null)
    {
        _maximum = Math.Max(1, maximum);
        _limit = _maximum;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The current limit.</summary>
    public int Limit
    {
        get
        {
            lock (_lock)
            {
                return _limit;
            }
        }
    }

    /// <summary>Waits for room for one call; dispose the result when the call has ended.</summary>
    public async ValueTask<Permit> EnterAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_inUse < _limit)
            {
                _inUse++;
                return new Permit(this);
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(waiter);
        }

        using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
        {
            // Admission and cancellation race through the completion source: whichever completes it first wins.
            await waiter.Task.ConfigureAwait(false);
        }

        return new Permit(this);
    }

    /// <summary>The server said it is busy: halve the limit (at most once per quarter second, so one burst counts once).</summary>
    public void Busy()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (_lastDecrease != long.MinValue && _time.GetElapsedTime(_lastDecrease, now) < DecreaseSpacing)
            {
                return;
            }

            _lastDecrease = now;
            _limit = Math.Max(1, _limit / 2);
            _successes = 0;
        }
    }

    /// <summary>A call succeeded: after as many successes as the limit, allow one more.</summary>
    public void Succeeded()
    {
        lock (_lock)
        {
            if (_limit >= _maximum || ++_successes < _limit)
            {
                return;
            }

            _successes = 0;
            _limit++;
            Admit();
        }
    }

    private void Leave()
    {
        lock (_lock)
        {
            _inUse--;
            Admit();
        }
    }

    // Called under the lock.
    private void Admit()
    {
        while (_inUse < _limit && _waiting.TryDequeue(out var next))
        {
            if (next.TrySetResult())
            {
                _inUse++;
            }
        }
    }

    /// <summary>Room for one call.</summary>
    public readonly struct Permit(AdaptiveConcurrency owner) : IDisposable
    {
        public void Dispose() => owner?.Leave();
    }
}

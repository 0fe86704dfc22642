namespace Gleitzeit.Testing;

/// <summary>The fates the batch service has been told to give the next batches created, each for a number of batches.</summary>
internal sealed class BatchFates
{
    private readonly Queue<Rule> _rules = new();
    private readonly Lock _lock = new();

    /// <summary>Gives <paramref name="fate"/> to the next <paramref name="times"/> batches, striking once <paramref name="afterRequests"/> requests are answered (expiry, cancellation).</summary>
    public void Add(BatchFate fate, int times, int afterRequests)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(afterRequests);
        lock (_lock)
        {
            _rules.Enqueue(new Rule(fate, afterRequests) { Remaining = times });
        }
    }

    /// <summary>The fate of a batch being created, counted as used; null when none is pending.</summary>
    public (BatchFate Fate, int AfterRequests)? Take()
    {
        lock (_lock)
        {
            if (!_rules.TryPeek(out var rule))
            {
                return null;
            }

            if (--rule.Remaining == 0)
            {
                _rules.Dequeue();
            }

            return (rule.Fate, rule.AfterRequests);
        }
    }

    private sealed record Rule(BatchFate Fate, int AfterRequests)
    {
        public int Remaining { get; set; }
    }
}

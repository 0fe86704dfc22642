using Gleitzeit.Batch.Providers;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// Keeps a run under a service's request and token quotas instead of running into 429 answers (each of which counts
/// against the quota too): token buckets refilled at the quota's rate, from <c>requests_per_minute</c> /
/// <c>tokens_per_minute</c> when set, else learned from the <c>x-ratelimit-limit-*</c> headers the service sends.
/// A call reserves its share and waits until the bucket can pay it; waits are reported.
/// </summary>
internal sealed class RatePacer(TimeProvider time, int? requestsPerMinute, int? tokensPerMinute, Action<string, string> report)
{
    private readonly Lock _lock = new();
    private Bucket? _requests = requestsPerMinute is { } r ? new Bucket(r, capacity: 1, time) : null;
    private Bucket? _tokens = tokensPerMinute is { } t ? new Bucket(t, capacity: Math.Max(1, t / 60.0), time) : null;
    private readonly bool _requestsConfigured = requestsPerMinute is not null;
    private readonly bool _tokensConfigured = tokensPerMinute is not null;

    /// <summary>Waits until a call of about <paramref name="tokens"/> prompt and answer tokens may go.</summary>
    public async ValueTask WaitAsync(int tokens, CancellationToken cancellationToken)
    {
        TimeSpan wait;
        string? why = null;
        lock (_lock)
        {
            var forRequests = _requests?.Reserve(1) ?? TimeSpan.Zero;
            var forTokens = _tokens?.Reserve(tokens) ?? TimeSpan.Zero;
            wait = forRequests > forTokens ? forRequests : forTokens;
            if (wait > TimeSpan.FromMilliseconds(500))
            {
                why = forRequests >= forTokens
                    ? $"{_requests!.PerMinute} requests a minute"
                    : $"{_tokens!.PerMinute} tokens a minute";
            }
        }

        if (why is not null)
        {
            report($"pacing\0{why}", $"rate limit: sending at most {why}{(why.Contains("requests", StringComparison.Ordinal) && !_requestsConfigured ? " (the server's x-ratelimit-limit-requests)" : string.Empty)}; next call in {wait.TotalSeconds:0.0} s");
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    /// <summary>Learns the quotas a response states, unless the settings fixed them.</summary>
    public void Learn(RateLimitState? limits)
    {
        if (limits is null)
        {
            return;
        }

        lock (_lock)
        {
            if (!_requestsConfigured && limits.RequestsPerMinute is > 0 and var requests && _requests?.PerMinute != requests)
            {
                _requests = new Bucket(requests, capacity: 1, time, startEmpty: limits.RequestsRemaining is 0);
            }

            if (!_tokensConfigured && limits.TokensPerMinute is > 0 and var tokens && _tokens?.PerMinute != tokens)
            {
                _tokens = new Bucket(tokens, capacity: Math.Max(1, tokens / 60.0), time, startEmpty: limits.TokensRemaining is 0);
            }
        }
    }

    private sealed class Bucket(int perMinute, double capacity, TimeProvider time, bool startEmpty = false)
    {
        private double _level = startEmpty ? 0 : capacity;
        private long _refilled = time.GetTimestamp();

        public int PerMinute { get; } = perMinute;

        // Takes the cost now, going below zero if need be: the time until the level is back at zero is the wait.
        public TimeSpan Reserve(double cost)
        {
            var now = time.GetTimestamp();
            _level = Math.Min(capacity, _level + (time.GetElapsedTime(_refilled, now).TotalSeconds * PerMinute / 60.0));
            _refilled = now;
            _level -= cost;
            return _level >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_level * 60.0 / PerMinute);
        }
    }
}

/// <summary>
/// How long a run has been held up by a busy or rate-limiting server, counted once however many calls wait at the
/// same time (the union of their waits): past <c>rate_limit_wait</c> nothing more is waited for.
/// </summary>
internal sealed class BusyClock(TimeProvider time, TimeSpan limit)
{
    private readonly Lock _lock = new();
    private TimeSpan _total;
    private long _until = long.MinValue;

    /// <summary>Whether a wait of <paramref name="delay"/> from now stays within the limit; if so it is counted.</summary>
    public bool TryWait(TimeSpan delay)
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            var start = _until == long.MinValue || _until < now ? now : _until;
            var end = now + (long)(delay.TotalSeconds * time.TimestampFrequency);
            var added = end > start ? TimeSpan.FromSeconds((end - start) / (double)time.TimestampFrequency) : TimeSpan.Zero;
            if (_total + added > limit)
            {
                return false;
            }

            _total += added;
            _until = Math.Max(_until, end);
            return true;
        }
    }

    public TimeSpan Limit => limit;
}

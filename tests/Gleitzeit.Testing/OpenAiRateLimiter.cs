using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Gleitzeit.Testing;

/// <summary>
/// The OpenAI test server's limits: token buckets for requests and tokens per minute (capacity = burst,
/// refilled continuously at limit/60 per second) and a fixed daily window (GitHub Models' free tier).
/// One lock covers all of them, so a request refused by one limit takes nothing from the others.
/// </summary>
internal sealed class OpenAiRateLimiter
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private readonly Lock _lock = new();
    private readonly Bucket? _requests;
    private readonly Bucket? _tokens;
    private readonly int? _perDay;
    private long _dayStart;
    private int _dayCount;

    public OpenAiRateLimiter(int? requestsPerMinute, int? burst, int? tokensPerMinute, int? requestsPerDay)
    {
        _requests = requestsPerMinute is int rpm ? new Bucket(rpm, burst ?? rpm) : null;
        _tokens = tokensPerMinute is int tpm ? new Bucket(tpm, tpm) : null;
        _perDay = requestsPerDay;
    }

    /// <summary>Takes one request and <paramref name="tokens"/> tokens, or refuses without taking anything.</summary>
    public RateDecision Acquire(int tokens)
    {
        lock (_lock)
        {
            var now = Stopwatch.GetTimestamp();
            _requests?.Refill(now);
            _tokens?.Refill(now);
            if (_perDay is int perDay)
            {
                if (_dayCount == 0 || Stopwatch.GetElapsedTime(_dayStart, now) >= Day)
                {
                    _dayStart = now;
                    _dayCount = 0;
                }

                if (_dayCount >= perDay)
                {
                    var wait = Day - Stopwatch.GetElapsedTime(_dayStart, now);
                    var seconds = CeilingSeconds(wait);
                    return Snapshot(false, wait, "requests",
                        $"Rate limit of {perDay} per 86400s exceeded for UserByDay. Please wait {seconds} seconds before retrying.");
                }
            }

            if (_requests is { Tokens: < 1 })
            {
                var wait = _requests.TimeUntil(1);
                return Snapshot(false, wait, "requests",
                    $"Rate limit reached for requests per min (RPM): Limit {_requests.PerMinute}, Requested 1. Please try again in {GoDuration(wait)}.");
            }

            if (_tokens is not null && _tokens.Tokens < tokens)
            {
                // A request larger than the bucket can never pass: it waits for a full bucket and is refused again, as OpenAI's "Request too large".
                var wait = _tokens.TimeUntil(Math.Min(tokens, _tokens.Capacity));
                return Snapshot(false, wait, "tokens",
                    $"Rate limit reached for tokens per min (TPM): Limit {_tokens.PerMinute}, Requested {tokens}. Please try again in {GoDuration(wait)}.");
            }

            if (_requests is not null)
            {
                _requests.Tokens -= 1;
            }

            if (_tokens is not null)
            {
                _tokens.Tokens -= tokens;
            }

            _dayCount++;
            return Snapshot(true, TimeSpan.Zero, null, null);
        }
    }

    /// <summary>A duration as Go prints it, the form of OpenAI's <c>x-ratelimit-reset-*</c> headers: <c>6m0s</c>, <c>1.5s</c>, <c>120ms</c>.</summary>
    public static string GoDuration(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return "0s";
        }

        if (duration < TimeSpan.FromSeconds(1))
        {
            // Whole milliseconds, rounded up, so the header stays ASCII (Go would print µs below 1 ms).
            return Math.Max(1, (long)Math.Ceiling(duration.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        var ms = (long)Math.Ceiling(duration.TotalMilliseconds);
        var hours = ms / 3_600_000;
        var minutes = ms / 60_000 % 60;
        var seconds = (ms % 60_000 / 1000.0).ToString("0.###", CultureInfo.InvariantCulture) + "s";
        return hours > 0 ? $"{hours}h{minutes}m{seconds}" : minutes > 0 ? $"{minutes}m{seconds}" : seconds;
    }

    /// <summary>Whole seconds, rounded up, at least 1: the form of <c>Retry-After</c>.</summary>
    public static long CeilingSeconds(TimeSpan wait) => Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));

    private RateDecision Snapshot(bool admitted, TimeSpan retryAfter, string? type, string? message) => new(
        admitted,
        retryAfter,
        type,
        message,
        _requests is null ? null : new RateLimitState(_requests.PerMinute, (int)Math.Floor(_requests.Tokens), _requests.TimeUntil(_requests.Capacity)),
        _tokens is null ? null : new RateLimitState(_tokens.PerMinute, (int)Math.Floor(Math.Max(0, _tokens.Tokens)), _tokens.TimeUntil(_tokens.Capacity)));

    private sealed class Bucket(int perMinute, int capacity)
    {
        private long _last = Stopwatch.GetTimestamp();

        public int PerMinute { get; } = perMinute;

        public double Capacity { get; } = capacity;

        public double Tokens { get; set; } = capacity;

        public void Refill(long now)
        {
            Tokens = Math.Min(Capacity, Tokens + Stopwatch.GetElapsedTime(_last, now).TotalSeconds * PerMinute / 60.0);
            _last = now;
        }

        public TimeSpan TimeUntil(double amount) => amount <= Tokens ? TimeSpan.Zero : TimeSpan.FromSeconds((amount - Tokens) * 60.0 / PerMinute);
    }
}

/// <summary>One limit's state as the <c>x-ratelimit-*</c> headers report it.</summary>
internal readonly record struct RateLimitState(int Limit, int Remaining, TimeSpan Reset);

/// <summary>The rate limiter's answer to one request, with what its headers should say.</summary>
internal sealed record RateDecision(bool Admitted, TimeSpan RetryAfter, string? Type, string? Message, RateLimitState? Requests, RateLimitState? Tokens)
{
    /// <summary>Writes the <c>x-ratelimit-*</c> headers and, when refused, <c>Retry-After</c> and <c>retry-after-ms</c>.</summary>
    public void Apply(IHeaderDictionary headers, bool retryAfterAsHttpDate)
    {
        Write(headers, "requests", Requests);
        Write(headers, "tokens", Tokens);
        if (!Admitted)
        {
            WriteRetryAfter(headers, RetryAfter, retryAfterAsHttpDate);
        }
    }

    /// <summary>Writes <c>Retry-After</c> (whole seconds rounded up, or an HTTP date) and <c>retry-after-ms</c>.</summary>
    public static void WriteRetryAfter(IHeaderDictionary headers, TimeSpan wait, bool asHttpDate)
    {
        var seconds = OpenAiRateLimiter.CeilingSeconds(wait);
        headers.RetryAfter = asHttpDate
            ? DateTime.UtcNow.AddSeconds(seconds).ToString("R", CultureInfo.InvariantCulture)
            : seconds.ToString(CultureInfo.InvariantCulture);
        headers["retry-after-ms"] = Math.Max(1, (long)Math.Ceiling(wait.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
    }

    private static void Write(IHeaderDictionary headers, string kind, RateLimitState? state)
    {
        if (state is not { } s)
        {
            return;
        }

        headers["x-ratelimit-limit-" + kind] = s.Limit.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-remaining-" + kind] = s.Remaining.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-reset-" + kind] = OpenAiRateLimiter.GoDuration(s.Reset);
    }
}

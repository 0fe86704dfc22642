using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Providers;
using Polly;
using Polly.Retry;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// Retries transient model-call failures only, never a 4xx or a missing model. Two budgets: ordinary failures
/// (connection reset, 5xx, a broken stream, a timeout) get <c>retry_attempts</c> retries after the first attempt, with exponential backoff and jitter;
/// a busy or rate-limiting server (503, 429) is waited for as long as it asks, or with a longer backoff, until the item
/// has waited <c>rate_limit_wait</c> in all.
/// </summary>
internal static class RetryPipeline
{
    private static readonly ResiliencePropertyKey<RetryBudget> BudgetKey = new("gleitzeit.budget");

    /// <summary>The pipeline for model calls; <paramref name="onRetry"/> hears of each retry before its delay.</summary>
    public static ResiliencePipeline Create(BatchSettings settings, TimeProvider time, BusyClock busy, Action<ChatProviderException, RetryBudget, TimeSpan> onRetry) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is ChatProviderException { IsTransient: true } ex && Budget(args.Context, settings, busy).Allows(ex)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is ChatProviderException ex ? Budget(args.Context, settings, busy).DelayFor(ex) : null),
                OnRetry = args =>
                {
                    if (args.Outcome.Exception is ChatProviderException ex)
                    {
                        onRetry(ex, Budget(args.Context, settings, busy), args.RetryDelay);
                    }

                    return default;
                },
            })
            .Build();

    /// <summary>Runs <paramref name="call"/> with retries, each call with a fresh budget.</summary>
    public static async Task<T> RunAsync<T>(this ResiliencePipeline pipeline, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            return await pipeline.ExecuteAsync(async (ctx, state) => await state(ctx.CancellationToken), context, call);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static RetryBudget Budget(ResilienceContext context, BatchSettings settings, BusyClock busy)
    {
        if (!context.Properties.TryGetValue(BudgetKey, out var budget))
        {
            budget = new RetryBudget(settings, busy);
            context.Properties.Set(BudgetKey, budget);
        }

        return budget;
    }
}

/// <summary>What one call has used of its retries: ordinary failures counted; waits for a busy server counted by the run's <see cref="BusyClock"/>.</summary>
internal sealed class RetryBudget(BatchSettings settings, BusyClock busy)
{
    private static readonly TimeSpan BusyMax = TimeSpan.FromSeconds(30);
    private int _busyRetries;

    // A busy server is given twice the ordinary first delay, doubling from there.
    private TimeSpan BusyBase => settings.RetryBaseDelay * 2;

    /// <summary>Ordinary failures so far.</summary>
    public int Failures { get; private set; }

    /// <summary>The attempt about to happen, counting ordinary failures only (2 for the first retry).</summary>
    public int NextAttempt => Failures + 1;

    /// <summary>Attempts in all: the first and <c>retry_attempts</c> retries.</summary>
    public int MaxAttempts => settings.RetryAttempts + 1;

    /// <summary>Whether the run's time for waiting on a busy server ran out at this call.</summary>
    public bool BusyExhausted { get; private set; }

    private TimeSpan? _nextBusyDelay;

    /// <summary>Whether another attempt is allowed after <paramref name="failure"/> (and counts it).</summary>
    public bool Allows(ChatProviderException failure)
    {
        if (failure.IsBusy)
        {
            var delay = NextBusyDelay(failure);
            if (!busy.TryWait(delay))
            {
                BusyExhausted = true;
                return false;
            }

            _nextBusyDelay = delay;
            return true;
        }

        Failures++;
        return Failures <= settings.RetryAttempts;
    }

    /// <summary>The delay before the next attempt; null for the pipeline's own exponential backoff.</summary>
    public TimeSpan? DelayFor(ChatProviderException failure)
    {
        if (!failure.IsBusy)
        {
            return null;
        }

        return _nextBusyDelay ?? NextBusyDelay(failure);
    }

    private TimeSpan NextBusyDelay(ChatProviderException failure)
    {
        var backoff = BusyBase * Math.Pow(2, Math.Min(_busyRetries++, 8));
        return failure.RetryAfter is { } asked && asked > TimeSpan.Zero
            ? asked
            : TimeSpan.FromTicks((long)(Math.Min(backoff.Ticks, BusyMax.Ticks) * (0.5 + Random.Shared.NextDouble())));
    }
}

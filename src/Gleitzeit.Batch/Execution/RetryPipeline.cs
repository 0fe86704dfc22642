using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Providers;
using Polly;
using Polly.Retry;

namespace Gleitzeit.Batch.Execution;

/// <summary>Retries transient model-call failures only, with exponential backoff and jitter; never a 4xx or a missing model.</summary>
internal static class RetryPipeline
{
    /// <summary>Names the item a call is for, so a retry can be reported against it.</summary>
    public static readonly ResiliencePropertyKey<string> ItemKey = new("gleitzeit.item");

    public static ResiliencePipeline Create(BatchSettings settings, Action<ChatProviderException, int, TimeSpan, string?> onRetry)
    {
        if (settings.RetryAttempts <= 1)
        {
            return ResiliencePipeline.Empty;
        }

        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<ChatProviderException>(e => e.IsTransient),
                MaxRetryAttempts = settings.RetryAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                OnRetry = args =>
                {
                    if (args.Outcome.Exception is ChatProviderException ex)
                    {
                        onRetry(ex, args.AttemptNumber + 1, args.RetryDelay, args.Context.Properties.GetValue(ItemKey, null!));
                    }

                    return default;
                },
            })
            .Build();
    }
}

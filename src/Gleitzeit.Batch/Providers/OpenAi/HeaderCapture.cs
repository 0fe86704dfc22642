using System.ClientModel.Primitives;

namespace Gleitzeit.Batch.Providers.OpenAi;

/// <summary>
/// A pipeline policy that keeps what a response's headers say of the rate limits, for the call running in this async
/// flow (the library does not hand a streamed call's response headers to its caller).
/// </summary>
internal sealed class HeaderCapture : PipelinePolicy
{
    private static readonly AsyncLocal<Captured?> Current = new();

    /// <summary>Starts capturing for the call about to run in this flow.</summary>
    public Captured Begin() => Current.Value = new Captured();

    public void End() => Current.Value = null;

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ProcessNext(message, pipeline, currentIndex);
        Observe(message);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        await ProcessNextAsync(message, pipeline, currentIndex);
        Observe(message);
    }

    private static void Observe(PipelineMessage message)
    {
        if (Current.Value is { } captured && message.Response is { } response)
        {
            captured.Limits = RateLimitHeaders.Limits(name => response.Headers.TryGetValue(name, out var value) ? value : null);
        }
    }

    /// <summary>What one call's response said.</summary>
    internal sealed class Captured
    {
        public RateLimitState? Limits { get; set; }
    }
}

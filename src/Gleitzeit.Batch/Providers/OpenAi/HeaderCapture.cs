using System.ClientModel.Primitives;

namespace Gleitzeit.Batch.Providers.OpenAi;

/// <summary>
/// A pipeline policy that keeps what a response's headers say of the rate limits, for the call running in this async
/// flow (the library does not hand a streamed call's response headers to its caller), and reads its event stream's
/// finish reasons and error events on the way (<see cref="FinishReasonStream"/>).
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
            // Whatever the Content-Type says (a proxy may relabel the stream): every streamed body is read on its way.
            if (response.ContentStream is { } stream && !message.BufferResponse)
            {
                response.ContentStream = new FinishReasonStream(stream, captured.Stream);
            }
        }
    }

    /// <summary>What one call's response said.</summary>
    internal sealed class Captured
    {
        public RateLimitState? Limits { get; set; }

        /// <summary>What the event stream said beyond what the library reads.</summary>
        public FinishReasonStream.Seen Stream { get; } = new();
    }
}

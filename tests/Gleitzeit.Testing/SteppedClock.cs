using Microsoft.Extensions.Time.Testing;

namespace Gleitzeit.Testing;

/// <summary>
/// A clock for the engine that keeps pace with real time, and jumps ahead whenever every request the test server is
/// answering is stuck (a hang or stall fault): timeouts then fire at once, while an answer that is merely slow on a
/// loaded machine never meets one. Timing tests get long limits and short runs.
/// </summary>
public sealed class SteppedClock : FakeTimeProvider, IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(2);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    /// <param name="stuck">True while nothing can progress but a timeout (e.g. every in-flight request is held by a fault).</param>
    /// <param name="jump">How far the clock jumps each tick while <paramref name="stuck"/> holds.</param>
    public SteppedClock(Func<bool> stuck, TimeSpan jump)
        : base(DateTimeOffset.UtcNow)
    {
        _running = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(Tick);
                Advance(stuck() ? jump : Tick);
            }
        });
    }

    /// <summary>A clock that jumps while every chat <paramref name="server"/> is answering is stuck.</summary>
    public static SteppedClock For(OllamaTestServer server, TimeSpan? jump = null) =>
        new(() => server.Stuck > 0 && server.Stuck == server.InFlight, jump ?? TimeSpan.FromSeconds(1));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
    }
}

using System.Diagnostics;

namespace Gleitzeit.Testing;

/// <summary>
/// The batch API's simulated time: real time elapsed since the start, times <see cref="Scale"/>, plus whatever
/// <see cref="Advance"/> added. It never runs backwards; changing the scale changes the pace from then on.
/// </summary>
internal sealed class BatchClock(double scale)
{
    private readonly Lock _lock = new();
    private DateTimeOffset _anchor = DateTimeOffset.UtcNow;
    private long _anchorTimestamp = Stopwatch.GetTimestamp();
    private double _scale = Checked(scale);

    /// <summary>The simulated time now.</summary>
    public DateTimeOffset Now
    {
        get
        {
            lock (_lock)
            {
                return At(Stopwatch.GetTimestamp());
            }
        }
    }

    /// <summary>Simulated time per real time: 600 makes a real second ten simulated minutes; 0 stops the clock but for <see cref="Advance"/>.</summary>
    public double Scale
    {
        get
        {
            lock (_lock)
            {
                return _scale;
            }
        }

        set
        {
            lock (_lock)
            {
                Reanchor();
                _scale = Checked(value);
            }
        }
    }

    /// <summary>Moves simulated time ahead by <paramref name="by"/>.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        lock (_lock)
        {
            Reanchor();
            _anchor += by;
        }
    }

    private void Reanchor()
    {
        var now = Stopwatch.GetTimestamp();
        _anchor = At(now);
        _anchorTimestamp = now;
    }

    private DateTimeOffset At(long timestamp) => _anchor + Stopwatch.GetElapsedTime(_anchorTimestamp, timestamp) * _scale;

    private static double Checked(double scale)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(scale);
        return double.IsFinite(scale) ? scale : throw new ArgumentOutOfRangeException(nameof(scale), scale, "The batch clock's scale must be finite.");
    }
}

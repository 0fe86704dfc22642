using System.Diagnostics;
using System.Globalization;

namespace Gleitzeit.Cli;

/// <summary>
/// Ends the build worker when the build that started it is gone (<c>kill -9</c> of <c>dotnet build</c>, a cancelled CI
/// job): twice a second it checks that the parent process still runs (the same process, not a new one with its id) and,
/// on Linux, that this process was not handed to another parent. A parent-death signal would not do: on Linux it fires
/// when the parent <em>thread</em> ends, and MSBuild starts tools from pool threads.
/// </summary>
internal sealed class ParentWatch : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly int _parent;
    private readonly DateTime? _parentStarted;
    private readonly CancellationTokenSource _gone = new();
    private readonly Timer _timer;

    public ParentWatch(int parentProcessId)
    {
        _parent = parentProcessId;
        _parentStarted = StartTimeOf(parentProcessId);
        if (_parentStarted is null)
        {
            _gone.Cancel();
        }

        _timer = new Timer(_ => Check(), null, Interval, Interval);
    }

    /// <summary>Cancelled once the parent is gone.</summary>
    public CancellationToken Gone => _gone.Token;

    public void Dispose()
    {
        _timer.Dispose();
        _gone.Dispose();
    }

    private void Check()
    {
        if (_gone.IsCancellationRequested)
        {
            return;
        }

        var reparented = OperatingSystem.IsLinux() && ParentOfThisProcess() is { } current && current != _parent;
        if (reparented || StartTimeOf(_parent) != _parentStarted)
        {
            try
            {
                _gone.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static DateTime? StartTimeOf(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return process.HasExited ? null : process.StartTime;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    // The fourth field of /proc/self/stat, after the command name in parentheses (which may itself hold spaces).
    private static int? ParentOfThisProcess()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parent) ? parent : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Gleitzeit.Testing;

/// <summary>Sends POSIX signals to a child process (Process.Kill only sends SIGKILL).</summary>
public static class Signals
{
    public const int Interrupt = 2;
    public const int Terminate = 15;

    /// <summary>Sends <paramref name="signal"/>; 0 when it was delivered.</summary>
    public static int Send(int processId, int signal) => kill(processId, signal);

    /// <summary>Sends SIGTERM, as <c>docker stop</c> or a cancelled CI job does.</summary>
    public static int SendTerminate(int processId) => kill(processId, Terminate);

    /// <summary>
    /// Starts <paramref name="program"/> with SIGINT handled as it is by default, even when this process ignores it. A
    /// test run started in the background by a shell without job control (<c>nohup … &amp;</c>, <c>bash -c '… &amp;'</c>)
    /// ignores SIGINT, its children inherit that, and the .NET runtime leaves an ignored SIGINT ignored: a child would
    /// never see the Ctrl+C a test sends it. GNU env's <c>--default-signal</c> puts the default back before it execs
    /// the program (same process id).
    /// </summary>
    public static ProcessStartInfo StartInfo(string program)
    {
        if (!InterruptIgnored())
        {
            return new ProcessStartInfo(program);
        }

        var info = new ProcessStartInfo("env");
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add(program);
        return info;
    }

    // Linux says which signals a process ignores in /proc/self/status (SigIgn, a hex mask, bit 0 = signal 1).
    private static bool InterruptIgnored()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null
            && ulong.TryParse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask)
            && (mask & (1UL << (Interrupt - 1))) != 0;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}

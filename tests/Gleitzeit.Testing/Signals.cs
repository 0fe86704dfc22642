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

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}

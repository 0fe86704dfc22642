using System.Runtime.InteropServices;

namespace Gleitzeit.Cli.Tests.Commands;

/// <summary>Sends POSIX signals to a child process (Process.Kill only sends SIGKILL).</summary>
internal static class Signals
{
    public const int Interrupt = 2;
    public const int Terminate = 15;

    public static int Send(int processId, int signal) => kill(processId, signal);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}

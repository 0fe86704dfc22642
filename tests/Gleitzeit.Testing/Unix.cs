using System.Diagnostics;

namespace Gleitzeit.Testing;

/// <summary>File system things .NET cannot make itself (FIFOs, file names that are not UTF-8), made with the system's own commands.</summary>
public static class Unix
{
    /// <summary>Whether these tests run as root (who can read any directory, whatever its mode).</summary>
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>Makes a FIFO (named pipe) at <paramref name="path"/>.</summary>
    public static void MakeFifo(string path) => Run("mkfifo", path);

    /// <summary>Runs a shell command line in <paramref name="directory"/> (bash, so <c>$'\xff'</c> makes raw bytes).</summary>
    public static void Shell(string directory, string commandLine) => Run("bash", "-c", $"cd '{directory}' && {commandLine}");

    /// <summary>Runs a program to its end, failing when it fails; bounded to 30 s.</summary>
    public static void Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish in 30 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {process.StandardError.ReadToEnd()}");
        }
    }
}

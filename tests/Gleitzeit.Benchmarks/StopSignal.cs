using System.Runtime.InteropServices;

namespace Gleitzeit.Benchmarks;

/// <summary>Waits for Ctrl+C (SIGINT), SIGTERM or SIGQUIT, so <c>serve</c> and <c>serve-model</c> stop promptly and dispose their servers (<c>docker stop</c>, <c>kill</c>, a CI step's end).</summary>
internal static class StopSignal
{
    public static async Task WaitAsync()
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Stop);
        await stop.Task;
        Console.WriteLine("Stopped.");
    }
}

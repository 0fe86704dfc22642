using Gleitzeit.Cli;

using var cancellation = new CancellationTokenSource();
try
{
    Console.CancelKeyPress += (_, e) =>
    {
        // The first Ctrl+C stops in-flight calls and saves what finished; a second one ends the process.
        if (!cancellation.IsCancellationRequested)
        {
            e.Cancel = true;
            cancellation.Cancel();
        }
    };
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
{
    // Standard output is closed (registering opens it): the run reports that below, where it first writes.
}
// SIGTERM (a CI job being stopped) cancels the same way: in-flight calls stop and finished items stay recorded.
// A second SIGTERM ends the process at once, as a second Ctrl+C does.
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM,
    signal =>
    {
        if (!cancellation.IsCancellationRequested)
        {
            signal.Cancel = true;
            cancellation.Cancel();
        }
    });
try
{
    Console.OutputEncoding = System.Text.Encoding.UTF8;
    return await GleitzeitCli.RunAsync(args, CliContext.FromProcess(), cancellation.Token);
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
{
    // Standard output or error cannot take what is written (closed, /dev/full, a broken pipe): what finished is
    // recorded already; say so where possible, and end with the code of an output that could not be written.
    try
    {
        Console.Error.WriteLine($"gleitzeit: error GZ3005: cannot write the output ({ex.Message})");
    }
    catch (Exception again) when (again is IOException or UnauthorizedAccessException)
    {
    }

    return 2;
}

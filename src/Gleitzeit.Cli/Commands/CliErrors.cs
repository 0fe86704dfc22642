using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Cli.Commands;

/// <summary>Turns a command's failure into one line naming the thing and the fix, exit code 2; a stack trace only with --verbose.</summary>
internal static class CliErrors
{
    public static async Task<int> Guard(CliContext context, Func<Task<int>> command)
    {
        try
        {
            return await command();
        }
        catch (CliException ex)
        {
            return Fail(context, Diagnostic.Error(ex.Code, "gleitzeit", ex.Message), ex);
        }
        catch (ConfigurationException ex)
        {
            return Fail(context, ex.ToDiagnostic("gleitzeit"), ex);
        }
        catch (BatchBusyException ex)
        {
            return Fail(context, Diagnostic.Error(DiagnosticCodes.BatchBusy, "gleitzeit", ex.Message), ex);
        }
        catch (DamagedRecordException ex)
        {
            return Fail(context, Diagnostic.Error(DiagnosticCodes.FileNotFound, ex.Path, ex.Message[(ex.Path.Length + 2)..]), ex);
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine("Interrupted.");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(context, Diagnostic.Error(DiagnosticCodes.OutputWriteFailed, "gleitzeit", ex.Message), ex);
        }
    }

    private static int Fail(CliContext context, Diagnostic diagnostic, Exception ex)
    {
        context.Error.WriteLine(diagnostic.ToString());
        if (context.Verbose)
        {
            context.Error.WriteLine(ex.ToString());
        }

        return ExitCodes.UsageOrConfiguration;
    }
}

using Gleitzeit.Batch.Configuration;

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
            return Fail(context, $"gleitzeit: error {ex.Code}: {ex.Message}", ex);
        }
        catch (ConfigurationException ex)
        {
            return Fail(context, ex.Canonical("gleitzeit"), ex);
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine("Interrupted.");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(context, $"gleitzeit: error {Batch.Contract.DiagnosticCodes.OutputWriteFailed}: {ex.Message}", ex);
        }
    }

    private static int Fail(CliContext context, string line, Exception ex)
    {
        context.Error.WriteLine(line);
        if (context.Verbose)
        {
            context.Error.WriteLine(ex.ToString());
        }

        return ExitCodes.UsageOrConfiguration;
    }
}

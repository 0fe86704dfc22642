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
            return Fail(context, ex.Code, ex.Message, ex);
        }
        catch (ConfigurationException ex)
        {
            return Fail(context, ex.Code, ex.Describe(), ex);
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine("Interrupted.");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(context, Batch.DiagnosticCodes.OutputWriteFailed, ex.Message, ex);
        }
    }

    private static int Fail(CliContext context, string code, string message, Exception ex)
    {
        context.Error.WriteLine(message.Contains("): ", StringComparison.Ordinal) && message.Contains('(', StringComparison.Ordinal) && !message.StartsWith("gleitzeit", StringComparison.Ordinal)
            ? InsertCode(message, code)
            : $"gleitzeit: error {code}: {message}");
        if (context.Verbose)
        {
            context.Error.WriteLine(ex.ToString());
        }

        return ExitCodes.UsageOrConfiguration;
    }

    // "file(3,5): message" becomes the canonical "file(3,5): error GZ1002: message".
    private static string InsertCode(string message, string code)
    {
        var split = message.IndexOf("): ", StringComparison.Ordinal) + 3;
        return $"{message[..split]}error {code}: {message[split..]}";
    }
}

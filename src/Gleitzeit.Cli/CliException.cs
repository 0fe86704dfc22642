namespace Gleitzeit.Cli;

/// <summary>A user error: printed as one line naming the thing and the fix, exit code 2.</summary>
public sealed class CliException : Exception
{
    public CliException(string message, string code = Batch.DiagnosticCodes.InvalidSetting)
        : base(message)
    {
        Code = code;
    }

    public CliException()
    {
        Code = Batch.DiagnosticCodes.InvalidSetting;
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = Batch.DiagnosticCodes.InvalidSetting;
    }

    public string Code { get; }
}

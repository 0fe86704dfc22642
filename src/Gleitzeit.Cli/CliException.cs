namespace Gleitzeit.Cli;

/// <summary>A user error: printed as one line naming the thing and the fix, exit code 2.</summary>
public sealed class CliException : Exception
{
    public CliException(string message, string code = Batch.Contract.DiagnosticCodes.InvalidSetting)
        : base(message)
    {
        Code = code;
    }

    public CliException()
    {
        Code = Batch.Contract.DiagnosticCodes.InvalidSetting;
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = Batch.Contract.DiagnosticCodes.InvalidSetting;
    }

    public string Code { get; }
}

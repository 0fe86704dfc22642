namespace Gleitzeit.Batch.Configuration;

/// <summary>An invalid setting, named by file, line and key so the user can fix it.</summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException(string message, string? file = null, int line = 0, int column = 0, string code = DiagnosticCodes.InvalidSetting)
        : base(message)
    {
        File = file;
        Line = line;
        Column = column;
        Code = code;
    }

    public ConfigurationException()
    {
    }

    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string? File { get; }

    /// <summary>GZ1xxx diagnostic code.</summary>
    public string Code { get; } = DiagnosticCodes.InvalidSetting;

    public int Line { get; }

    public int Column { get; }

    /// <summary>The error as a diagnostic; <paramref name="origin"/> stands in for the file when none is known.</summary>
    public Diagnostic ToDiagnostic(string origin) => Diagnostic.Error(Code, File ?? origin, Message, Line, Column);

    /// <summary>The canonical diagnostic line, <c>file(line,col): error GZ1002: message</c>.</summary>
    public string Canonical(string origin) => ToDiagnostic(origin).ToString();
}

namespace Gleitzeit.Batch.Inputs;

/// <summary>
/// A file that is not sent as it is: not UTF-8 text or a supported image (the item fails), or empty, over the size
/// limit or not a regular file (the item is skipped and reported). Nothing is sent either way.
/// </summary>
public sealed class InvalidInputException : Exception
{
    public InvalidInputException(string message, string code = DiagnosticCodes.InvalidFileFormat, bool isSkip = false)
        : base(message)
    {
        Code = code;
        IsSkip = isSkip;
    }

    public InvalidInputException()
        : this("invalid input")
    {
    }

    public InvalidInputException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = DiagnosticCodes.InvalidFileFormat;
    }

    /// <summary>The item's GZ code.</summary>
    public string Code { get; }

    /// <summary>Whether the item is skipped (reported, not a failure) rather than failed.</summary>
    public bool IsSkip { get; }
}

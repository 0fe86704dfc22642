namespace Gleitzeit.Batch.Inputs;

/// <summary>A file that cannot be sent as it is (not UTF-8 text, not a supported image): the item fails, nothing is sent.</summary>
public sealed class InvalidInputException : Exception
{
    public InvalidInputException(string message)
        : base(message)
    {
    }

    public InvalidInputException()
    {
    }

    public InvalidInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

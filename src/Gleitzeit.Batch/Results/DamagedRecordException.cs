namespace Gleitzeit.Batch.Results;

/// <summary>A batch record that cannot be read (truncated, edited, not JSON): named by its path, never a crash.</summary>
public sealed class DamagedRecordException : Exception
{
    public DamagedRecordException(string path, string reason)
        : base($"{path}: the batch record is damaged ({reason}); its journal (if any) still holds the items that finished, but the record cannot be shown or resumed — delete it, or restore it from a backup")
    {
        Path = path;
    }

    public DamagedRecordException()
    {
        Path = string.Empty;
    }

    public DamagedRecordException(string message)
        : base(message)
    {
        Path = string.Empty;
    }

    public DamagedRecordException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = string.Empty;
    }

    public string Path { get; }
}

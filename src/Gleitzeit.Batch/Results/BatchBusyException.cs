namespace Gleitzeit.Batch.Results;

/// <summary>Another process holds a batch: two runs of one batch would send its items twice and race on its record.</summary>
public sealed class BatchBusyException : Exception
{
    public BatchBusyException(string batchId, int? processId)
        : base($"batch {batchId} is being run by {(processId is { } id ? $"process {id}" : "another process")}; wait for it to finish (or stop it), then run this again")
    {
        BatchId = batchId;
        ProcessId = processId;
    }

    public BatchBusyException()
    {
        BatchId = string.Empty;
    }

    public BatchBusyException(string message)
        : base(message)
    {
        BatchId = string.Empty;
    }

    public BatchBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
        BatchId = string.Empty;
    }

    public string BatchId { get; }

    public int? ProcessId { get; }
}

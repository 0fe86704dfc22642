using System.Globalization;
using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Results;

/// <summary>
/// Marks a batch as being run by this process: <c>&lt;id&gt;.lock</c> opened exclusively (the operating system releases
/// it when the process ends, however it ends) and <c>&lt;id&gt;.pid</c> naming the process for the message others get.
/// </summary>
public sealed class BatchLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _pidPath;

    private BatchLock(FileStream held, string pidPath)
    {
        _lock = held;
        _pidPath = pidPath;
    }

    /// <summary>Takes the batch, or throws naming the process that has it.</summary>
    /// <exception cref="BatchBusyException">Another process runs the batch.</exception>
    public static BatchLock Acquire(string directory, string batchId) =>
        TryAcquire(directory, batchId) ?? throw new BatchBusyException(batchId, HolderOf(PidPath(directory, batchId)));

    // The holder writes its process id just after taking the lock: a moment's wait (bounded) lets the message name it.
    private static int? HolderOf(string pidPath)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            if (ReadPid(pidPath) is { } pid)
            {
                return pid;
            }

            Thread.Sleep(25);
        }

        return null;
    }

    /// <summary>Takes the batch, or returns null when another process (or another holder here) has it.</summary>
    public static BatchLock? TryAcquire(string directory, string batchId)
    {
        Directory.CreateDirectory(directory);
        var lockPath = Path.Combine(directory, batchId + ".lock");
        var pidPath = PidPath(directory, batchId);
        if (ExclusiveFile.TryAcquire(lockPath) is not { } held)
        {
            return null;
        }

        try
        {
            File.WriteAllText(pidPath, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The lock holds without it; only the message to others would lack the process id.
        }

        return new BatchLock(held, pidPath);
    }

    private static string PidPath(string directory, string batchId) => Path.Combine(directory, batchId + ".pid");

    public void Dispose()
    {
        try
        {
            File.Delete(_pidPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        ExclusiveFile.Release(_lock);
    }

    private static int? ReadPid(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

namespace Gleitzeit.Batch.Serialization;

/// <summary>
/// A lock file shared by processes: opened exclusively (an flock on Unix, a sharing lock on Windows), which the operating
/// system releases when its process ends however it ends, and removed by the holder on release.
/// </summary>
/// <remarks>
/// Removing the file on release opens a race that would let two holders in at once: a process that opened the file
/// just before the holder removed it can lock it just after, holding a removed file while a third creates a new one. A
/// holder of a removed file lets it go and opens again. Only a lock conflict means "held": any other failure is an
/// error of the directory (telling the two apart by whether the file exists fails when it was just removed).
/// </remarks>
internal static class ExclusiveFile
{
    private const int Attempts = 8;

    /// <summary>Takes the lock at <paramref name="path"/> without waiting; null when another holder has it.</summary>
    /// <exception cref="IOException">The file cannot be created or opened.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory cannot be written.</exception>
    public static FileStream? TryAcquire(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException ex) when (IsHeldElsewhere(ex))
            {
                return null;
            }

            if (!IsRemoved(stream))
            {
                return stream;
            }

            stream.Dispose();
            if (attempt == Attempts)
            {
                return null;
            }
        }
    }

    /// <summary>Removes the file while still holding it (so no one locks it between), then lets it go.</summary>
    public static void Release(FileStream held)
    {
        ArgumentNullException.ThrowIfNull(held);
        try
        {
            File.Delete(held.Name);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        held.Dispose();
    }

    // The lock is taken: EWOULDBLOCK from flock on Linux (11) and macOS (35), a sharing or lock violation on Windows.
    private static bool IsHeldElsewhere(IOException ex) => ex.HResult switch
    {
        11 => OperatingSystem.IsLinux(),
        35 => OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD(),
        unchecked((int)0x80070020) or unchecked((int)0x80070021) => OperatingSystem.IsWindows(),
        _ => false,
    };

    // Linux names an open file whose name was removed "<path> (deleted)"; elsewhere the race stays as narrow as it is.
    private static bool IsRemoved(FileStream stream)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            var target = new FileInfo($"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}").LinkTarget;
            return target is not null && target.EndsWith(" (deleted)", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

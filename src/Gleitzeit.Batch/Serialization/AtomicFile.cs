using Microsoft.Win32.SafeHandles;

namespace Gleitzeit.Batch.Serialization;

/// <summary>Writes a whole file or nothing: a temp file beside the target, then a rename over it.</summary>
public static class AtomicFile
{
    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/> atomically, creating its directory.</summary>
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            WriteNew(temp, bytes);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    // The directory is created when the write finds it missing, not asked for before every write (a mkdir and a stat
    // per cache entry, at 256 answers in flight).
    private static void WriteNew(string temp, ReadOnlySpan<byte> bytes)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }
        catch (DirectoryNotFoundException)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
            handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }

        using (handle)
        {
            RandomAccess.Write(handle, bytes, 0);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

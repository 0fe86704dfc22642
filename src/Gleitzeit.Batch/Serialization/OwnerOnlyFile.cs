namespace Gleitzeit.Batch.Serialization;

/// <summary>Files that hold documents' text or the answers to it: readable and writable by their owner only (on Unix).</summary>
internal static class OwnerOnlyFile
{
    /// <summary>How to open such a file for writing, unshared, with a 64 KB buffer.</summary>
    public static FileStreamOptions WriteOptions(FileMode mode, FileOptions options = FileOptions.None)
    {
        var write = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 64 * 1024, Options = options };
        if (!OperatingSystem.IsWindows())
        {
            write.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return write;
    }
}

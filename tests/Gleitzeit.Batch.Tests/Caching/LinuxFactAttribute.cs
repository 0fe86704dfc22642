namespace Gleitzeit.Batch.Tests.Caching;

/// <summary>
/// A fact about the key locks of Linux, where a key is a record lock in one shared file (macOS keeps a file per key,
/// and a second process is held with python3's fcntl). Reported as skipped elsewhere.
/// </summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "record locks in locks/keys.lock are checked on Linux";
        }
    }
}

namespace Gleitzeit.Batch.Tests.Caching;

/// <summary>
/// A fact about Linux: by default the key locks, where a key is a record lock in one shared file (macOS keeps a file per
/// key, and a second process is held with python3's fcntl). Reported as skipped elsewhere, with <paramref name="why"/>.
/// </summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute(string why = "record locks in locks/keys.lock are checked on Linux")
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = why;
        }
    }
}

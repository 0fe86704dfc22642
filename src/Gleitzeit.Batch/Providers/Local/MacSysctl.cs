using System.Runtime.InteropServices;

namespace Gleitzeit.Batch.Providers.Local;

/// <summary>Reads macOS's numeric <c>sysctl</c> values (<c>hw.optional.avx2_0</c>, <c>sysctl.proc_translated</c>).</summary>
internal static partial class MacSysctl
{
    /// <summary>The value of <paramref name="name"/>, or 0 when the system has no such name.</summary>
    public static unsafe long Read(string name)
    {
        // The values read here are 32-bit integers; a zeroed 64-bit buffer holds either width (little-endian).
        long value = 0;
        var size = (nuint)sizeof(long);
        return SysctlByName(name, &value, &size, null, 0) == 0 ? value : 0;
    }

    [LibraryImport("libc", EntryPoint = "sysctlbyname", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int SysctlByName(string name, void* value, nuint* size, void* newValue, nuint newSize);
}

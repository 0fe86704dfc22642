using System;
using System.Runtime.InteropServices;

namespace Gleitzeit.Build.Tasks;

/// <summary>
/// Makes sure a program from the package can be started: a package restore does not always keep a file's execute bit.
/// </summary>
internal static class NativeExecutable
{
    private const int ExecuteAccess = 1;
    private const uint ReadWriteExecuteForOwnerReadExecuteForOthers = 0x1ED; // 0755

    /// <summary>True when <paramref name="path"/> is (or could be made) executable by this user.</summary>
    public static bool EnsureRunnable(string path)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            return true;
        }

        try
        {
            if (access(path, ExecuteAccess) == 0)
            {
                return true;
            }

            return chmod(path, ReadWriteExecuteForOwnerReadExecuteForOthers) == 0 && access(path, ExecuteAccess) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int access([MarshalAs(UnmanagedType.LPStr)] string path, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int chmod([MarshalAs(UnmanagedType.LPStr)] string path, uint mode);
}

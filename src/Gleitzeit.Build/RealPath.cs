using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Gleitzeit.Build.Tasks;

/// <summary>
/// A path with its symbolic links resolved (<c>realpath</c> on Unix), so an OutputFile written through a linked folder is
/// seen to be the document it would replace. A file that does not exist yet resolves through its folder; elsewhere, or
/// when nothing resolves, the path is kept as it is.
/// </summary>
internal static class RealPath
{
    public static string Of(string path)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            return path;
        }

        if (Resolve(path) is { } resolved)
        {
            return resolved;
        }

        var directory = Path.GetDirectoryName(path);
        return directory is not null && Resolve(directory) is { } folder ? Path.Combine(folder, Path.GetFileName(path)) : path;
    }

    private static string? Resolve(string path)
    {
        try
        {
            var buffer = realpath(path, IntPtr.Zero);
            if (buffer == IntPtr.Zero)
            {
                return null;
            }

            try
            {
                return Marshal.PtrToStringAnsi(buffer);
            }
            finally
            {
                free(buffer);
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr realpath(string path, IntPtr resolved);

    [DllImport("libc")]
    private static extern void free(IntPtr pointer);
}

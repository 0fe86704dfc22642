using System.Runtime.InteropServices;
using System.Text;

namespace Gleitzeit.Batch.Discovery;

/// <summary>What a path is on disk. Only regular files are read: opening a FIFO blocks until a writer comes, a device may never end.</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
    Other,
}

/// <summary>
/// Tells a regular file from a FIFO, socket or device without opening it. .NET has no public API for the file type, so
/// on Unix this asks the runtime's own native shim (<c>SystemNative_Stat</c>, present in every .NET runtime and linked
/// into ahead-of-time compiled programs), whose result starts with two 32-bit fields, flags and mode, in .NET's own
/// layout on every platform.
/// </summary>
public static partial class FileKinds
{
    private const int TypeMask = 0xF000;

    /// <summary>The kind of <paramref name="path"/>, following symbolic links.</summary>
    public static FileKind Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OperatingSystem.IsWindows())
        {
            return File.Exists(path) ? FileKind.Regular : Directory.Exists(path) ? FileKind.Directory : FileKind.Missing;
        }

        int mode;
        try
        {
            mode = StatMode(path);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return File.Exists(path) ? FileKind.Regular : Directory.Exists(path) ? FileKind.Directory : FileKind.Missing;
        }

        return mode < 0 ? FileKind.Missing : (mode & TypeMask) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Other,
        };
    }

    /// <summary>How a kind is named in messages: <c>a FIFO (named pipe)</c>, <c>a socket</c>…</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Directory => "a directory",
        _ => "not a regular file",
    };

    private static unsafe int StatMode(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        var status = stackalloc byte[512];
        fixed (byte* name = bytes)
        {
            return Stat(name, status) != 0 ? -1 : *(int*)(status + 4);
        }
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat")]
    private static unsafe partial int Stat(byte* path, byte* status);
}

using System.Collections.Concurrent;
using System.Runtime.Versioning;
using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Caching;

/// <summary>
/// An in-flight marker for one cache key, shared by every process using the cache directory. While one holder has a
/// key, the others serve its answer once it is stored instead of sending the same prompt.
/// </summary>
/// <remarks>
/// A key is one byte of <c>locks/keys.lock</c>, locked (a record lock: fcntl on Linux, LockFile on Windows) at an
/// offset its hash gives; the operating system releases it however the process ends. Taking a key creates and removes
/// no file (a lock file per key was a fifth of the client's file system work at 256 slots, and its removal slowed every
/// file created after it on ext4). Record locks on Unix belong to the process and end with any of its handles to the
/// file, so each process opens the file once per cache and holds keys apart itself. Elsewhere (macOS, where .NET has no
/// record locks), a key is an exclusively opened file of its own under <c>locks/</c>, removed on release. A file system
/// without record locks (NFS without its lock daemon) coordinates nothing: the key is sent, as a process alone would.
/// </remarks>
public sealed class KeyLock : IDisposable
{
    // Offsets below 2^40: collisions between keys in flight are as good as impossible, and every system locks that far.
    private const ulong OffsetRange = 1UL << 40;

    private static readonly ConcurrentDictionary<string, KeyFile> Files = new(StringComparer.Ordinal);
    private readonly KeyFile? _file;
    private readonly FileStream? _own;
    private readonly string _key;
    private int _released;

    private KeyLock(KeyFile? file, FileStream? own, string key)
    {
        _file = file;
        _own = own;
        _key = key;
    }

    /// <summary>Takes the lock of <paramref name="key"/> without waiting; null when another holder has it.</summary>
    /// <exception cref="IOException">The locks directory cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The locks directory cannot be written.</exception>
    public static KeyLock? TryAcquire(CacheStore cache, string key)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(key);
        if (!RecordLocks)
        {
            var path = cache.LockPath(key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return ExclusiveFile.TryAcquire(path) is { } stream ? new KeyLock(null, stream, key) : null;
        }

        var file = Files.GetOrAdd(cache.KeyLockPath, path => new KeyFile(path));
        return file.TryTake(key) switch
        {
            KeyFile.Taken.Yes => new KeyLock(file, null, key),
            KeyFile.Taken.Uncoordinated => new KeyLock(null, null, key),
            _ => null,
        };
    }

    [SupportedOSPlatformGuard("linux")]
    [SupportedOSPlatformGuard("windows")]
    private static bool RecordLocks => OperatingSystem.IsLinux() || OperatingSystem.IsWindows();

    /// <summary>Where <paramref name="key"/> is locked: the same in every process, version and platform.</summary>
    public static long OffsetOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hash = 14695981039346656037UL;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return (long)(hash % OffsetRange);
    }

    /// <summary>Releases the key.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            if (_own is not null)
            {
                ExclusiveFile.Release(_own);
            }
            else if (RecordLocks)
            {
                _file?.Release(_key);
            }
        }
    }

    private sealed class KeyFile(string path)
    {
        private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
        private FileStream? _stream;

        public enum Taken
        {
            Yes,
            HeldElsewhere,

            // The file system has no record locks: the key is not coordinated, and nothing is held.
            Uncoordinated,
        }

        [SupportedOSPlatform("linux")]
        [SupportedOSPlatform("windows")]
        public Taken TryTake(string key)
        {
            lock (_keys)
            {
                if (_keys.Contains(key))
                {
                    return Taken.HeldElsewhere;
                }

                try
                {
                    _stream ??= Open();
                    _stream.Lock(OffsetOf(key), 1);
                }
                catch (IOException ex) when (IsHeldElsewhere(ex))
                {
                    // Also an earlier version's cache prune holding the file open exclusively for a moment.
                    CloseWhenUnused();
                    return Taken.HeldElsewhere;
                }
                catch (IOException ex) when (ex.HResult is 37 or 95 or 22 && OperatingSystem.IsLinux())
                {
                    // ENOLCK, EOPNOTSUPP, EINVAL: no record locks here.
                    CloseWhenUnused();
                    return Taken.Uncoordinated;
                }
                catch
                {
                    CloseWhenUnused();
                    throw;
                }

                _keys.Add(key);
                return Taken.Yes;
            }
        }

        [SupportedOSPlatform("linux")]
        [SupportedOSPlatform("windows")]
        public void Release(string key)
        {
            lock (_keys)
            {
                if (!_keys.Remove(key))
                {
                    return;
                }

                try
                {
                    _stream?.Unlock(OffsetOf(key), 1);
                }
                catch (IOException)
                {
                    // The handle is closed below once no key is held, which releases whatever it still holds.
                }

                CloseWhenUnused();
            }
        }

        private void CloseWhenUnused()
        {
            if (_keys.Count == 0)
            {
                _stream?.Dispose();
                _stream = null;
            }
        }

        private FileStream Open()
        {
            try
            {
                return OpenShared();
            }
            catch (DirectoryNotFoundException)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                return OpenShared();
            }
        }

        private FileStream OpenShared() => new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);

        // A record held by another process: EAGAIN on Linux; a lock or sharing violation on Windows.
        private static bool IsHeldElsewhere(IOException ex) => ex.HResult switch
        {
            11 => OperatingSystem.IsLinux(),
            unchecked((int)0x80070021) or unchecked((int)0x80070020) => OperatingSystem.IsWindows(),
            _ => false,
        };
    }
}

using Gleitzeit.Batch.Caching;

namespace Gleitzeit.Batch.Tests.Caching;

public sealed class CacheMaintenanceTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string Leftover(string relative, TimeSpan age)
    {
        var path = Path.Combine(_workspace.CacheDirectory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "x");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        return path;
    }

    [Fact]
    public void Prune_RemovesTempFilesOfKilledWriters_AndUnheldLocks_ButNotRecentOrHeldOnes()
    {
        var oldTemp = Leftover("entries/ab/.abcd.json.123.tmp", TimeSpan.FromHours(3));
        var newTemp = Leftover("entries/ab/.abce.json.124.tmp", TimeSpan.FromMinutes(1));
        var oldLock = Leftover("locks/ab/abcd.lock", TimeSpan.FromHours(3));
        var heldLock = Leftover("locks/cd/cdef.lock", TimeSpan.FromHours(3));
        using var held = new FileStream(heldLock, FileMode.Open, FileAccess.ReadWrite, FileShare.None);

        var result = CacheMaintenance.Prune(_workspace.CacheDirectory, maxBytes: null, olderThan: TimeSpan.FromDays(30), DateTime.UtcNow);

        Assert.Equal(2, result.Leftovers);
        Assert.False(File.Exists(oldTemp));
        Assert.False(File.Exists(oldLock));
        Assert.True(File.Exists(newTemp));
        Assert.True(File.Exists(heldLock));
    }

    [LinuxFact]
    public void Prune_KeepsTheKeysLockFile_HoweverOld_WhileAProcessMayHoldKeysInIt()
    {
        // Removing it under a process that holds keys would let the next process take the same keys in a new file.
        var cache = new CacheStore(_workspace.CacheDirectory);
        using (var held = KeyLock.TryAcquire(cache, "some-key"))
        {
            Assert.NotNull(held);
        }

        File.SetLastWriteTimeUtc(cache.KeyLockPath, DateTime.UtcNow - TimeSpan.FromDays(3));

        var result = CacheMaintenance.Prune(_workspace.CacheDirectory, maxBytes: null, olderThan: TimeSpan.FromDays(1), DateTime.UtcNow);

        Assert.Equal(0, result.Leftovers);
        Assert.True(File.Exists(cache.KeyLockPath));
    }
}

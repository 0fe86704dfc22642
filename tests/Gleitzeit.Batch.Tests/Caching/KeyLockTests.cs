using Gleitzeit.Batch.Caching;

namespace Gleitzeit.Batch.Tests.Caching;

public sealed class KeyLockTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void TakenAndReleasedOverAndOverByManyAtOnce_NeverHasTwoHolders_AndNeverFails()
    {
        // Many holders of one key in one process: one at a time, and none fails (on macOS each removes its lock file on
        // release, and an opener caught between another's open and removal must neither fail nor hold a removed file).
        var cache = new CacheStore(_workspace.CacheDirectory);
        var holders = 0;
        var most = 0;
        var taken = 0;

        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (var i = 0; i < 3000; i++)
            {
                using var held = KeyLock.TryAcquire(cache, "same-key");
                if (held is null)
                {
                    continue;
                }

                Interlocked.Increment(ref taken);
                var now = Interlocked.Increment(ref holders);
                InterlockedMax(ref most, now);
                Thread.SpinWait(50);
                Interlocked.Decrement(ref holders);
            }
        });

        Assert.Equal(1, most);
        Assert.True(taken > 100, $"taken {taken} times");
    }

    [Fact]
    public void HeldKey_IsBusyForOthers_UntilReleased_ThenFree()
    {
        var cache = new CacheStore(_workspace.CacheDirectory);
        var first = KeyLock.TryAcquire(cache, "k0");
        Assert.NotNull(first);
        Assert.Null(KeyLock.TryAcquire(cache, "k0"));

        first.Dispose();
        first.Dispose();

        using var second = KeyLock.TryAcquire(cache, "k0");
        Assert.NotNull(second);
    }

    [LinuxFact]
    public void ManyKeys_CreateNoFilePerKey_OnlyTheOneKeysFile()
    {
        // Creating and removing a lock file per key was a fifth of the client's file system work at 256 slots.
        var cache = new CacheStore(_workspace.CacheDirectory);
        var held = Enumerable.Range(0, 300).Select(i => KeyLock.TryAcquire(cache, Key(i))).ToList();
        Assert.All(held, Assert.NotNull);
        held.ForEach(h => h!.Dispose());
        for (var i = 0; i < 5_000; i++)
        {
            using var one = KeyLock.TryAcquire(cache, Key(i));
            Assert.NotNull(one);
        }

        var files = Directory.GetFiles(Path.Combine(_workspace.CacheDirectory, "locks"), "*", SearchOption.AllDirectories);
        Assert.Equal([cache.KeyLockPath], files);
    }

    [LinuxFact]
    public void AKeyHeldByAnotherProcess_IsRefused_UntilThatProcessEnds_AndOtherKeysStayFree()
    {
        // A real second process (record locks on Unix are per process): it holds a key, prints "held", then waits
        // for its standard input to close.
        var cache = new CacheStore(_workspace.CacheDirectory);
        KeyLock.TryAcquire(cache, "warm")!.Dispose();
        using var other = StartHolder(cache.KeyLockPath, KeyLock.OffsetOf(Key(1)));

        Assert.Null(KeyLock.TryAcquire(cache, Key(1)));
        using (var free = KeyLock.TryAcquire(cache, Key(2)))
        {
            Assert.NotNull(free);
        }

        other.Kill();
        other.WaitForExit(10_000);
        using var now = KeyLock.TryAcquire(cache, Key(1));
        Assert.NotNull(now);
    }

    [LinuxFact]
    public void ReleasingOneKey_KeepsTheProcessesOtherKeysLockedForOthers()
    {
        // Record locks end with any handle of the process to the file: releasing B (or closing a handle for it) must
        // not let another process take A.
        var cache = new CacheStore(_workspace.CacheDirectory);
        using var a = KeyLock.TryAcquire(cache, Key(1));
        Assert.NotNull(a);
        KeyLock.TryAcquire(cache, Key(2))!.Dispose();

        Assert.False(CanHoldFromAnotherProcess(cache.KeyLockPath, KeyLock.OffsetOf(Key(1))));
        Assert.True(CanHoldFromAnotherProcess(cache.KeyLockPath, KeyLock.OffsetOf(Key(2))));
    }

    [Fact]
    public void OffsetOf_IsStable_AndKeysInFlightNeverShareOne()
    {
        // Processes of different versions sharing a cache must agree on where a key's lock is.
        Assert.Equal(107_462_350_667L, KeyLock.OffsetOf("abc"));
        var offsets = Enumerable.Range(0, 100_000).Select(i => KeyLock.OffsetOf(Key(i))).ToList();
        Assert.Equal(offsets.Count, offsets.Distinct().Count());
        Assert.All(offsets, o => Assert.InRange(o, 0, 1L << 40));
    }

    [Fact]
    public void ARemovedLocksDirectory_IsCreatedAgain()
    {
        var cache = new CacheStore(_workspace.CacheDirectory);
        KeyLock.TryAcquire(cache, "k1")!.Dispose();
        Directory.Delete(Path.Combine(_workspace.CacheDirectory, "locks"), recursive: true);

        using var again = KeyLock.TryAcquire(cache, "k1");
        Assert.NotNull(again);
    }

    private static string Key(int i) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)));

    private static bool CanHoldFromAnotherProcess(string path, long offset)
    {
        var script = $"import fcntl\nf=open({System.Text.Json.JsonSerializer.Serialize(path)},'r+')\ntry:\n    fcntl.lockf(f,fcntl.LOCK_EX|fcntl.LOCK_NB,1,{offset})\n    print('took')\nexcept OSError:\n    print('refused')";
        var info = new System.Diagnostics.ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        using var process = System.Diagnostics.Process.Start(info)!;
        var line = process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();
        process.WaitForExit(20_000);
        return line == "took";
    }

    // A python3 process locks the byte as another gleitzeit would (fcntl record locks; CI runs on Linux).
    private static System.Diagnostics.Process StartHolder(string path, long offset)
    {
        var script = $"import fcntl,sys\nf=open({System.Text.Json.JsonSerializer.Serialize(path)},'r+')\nfcntl.lockf(f,fcntl.LOCK_EX|fcntl.LOCK_NB,1,{offset})\nprint('held',flush=True)\nsys.stdin.read()";
        var info = new System.Diagnostics.ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        var process = System.Diagnostics.Process.Start(info)!;
        var line = process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();
        Assert.Equal("held", line);
        return process;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}

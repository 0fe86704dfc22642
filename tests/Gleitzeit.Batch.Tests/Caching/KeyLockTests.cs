using Gleitzeit.Batch.Caching;

namespace Gleitzeit.Batch.Tests.Caching;

public sealed class KeyLockTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void TakenAndReleasedOverAndOverByManyAtOnce_NeverHasTwoHolders_AndNeverFails()
    {
        // Each holder removes the lock file on release: an opener caught between another's open and removal must
        // neither fail (it was reported as an unwritable cache, and the key sent twice) nor hold a removed file.
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
    public void HeldKey_IsBusyForOthers_UntilReleased_ThenFreeAndItsFileGone()
    {
        var cache = new CacheStore(_workspace.CacheDirectory);
        var first = KeyLock.TryAcquire(cache, "k0");
        Assert.NotNull(first);
        Assert.Null(KeyLock.TryAcquire(cache, "k0"));

        first.Dispose();

        Assert.False(File.Exists(cache.LockPath("k0")));
        using var second = KeyLock.TryAcquire(cache, "k0");
        Assert.NotNull(second);
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

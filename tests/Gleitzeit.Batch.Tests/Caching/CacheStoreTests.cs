using System.Text.Json.Nodes;
using Gleitzeit.Batch.Caching;

namespace Gleitzeit.Batch.Tests.Caching;

public sealed class CacheStoreTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private static CacheEntry Entry(string response, string seed = "a")
    {
        var inputs = new JsonObject { ["schema"] = CacheKey.Schema, ["seed"] = seed };
        return new CacheEntry { Key = CacheKey.HashOf(inputs), Inputs = inputs, Response = response, ProcessingTime = 1.5, WrittenAt = DateTimeOffset.UnixEpoch };
    }

    [Fact]
    public void PutThenGet_ReturnsTheEntry_InAShardedFile()
    {
        var store = new CacheStore(_workspace.CacheDirectory);
        var entry = Entry("answer");

        store.Put(entry);

        Assert.Equal("answer", store.TryGet(entry.Key)!.Response);
        Assert.True(File.Exists(Path.Combine(_workspace.CacheDirectory, "entries", entry.Key[..2], entry.Key + ".json")));
    }

    [Fact]
    public void TruncatedEntry_IsAMissWithAWarning()
    {
        var warnings = new List<string>();
        var store = new CacheStore(_workspace.CacheDirectory, warnings.Add);
        var entry = Entry("answer");
        store.Put(entry);
        var path = store.EntryPath(entry.Key);
        File.WriteAllText(path, File.ReadAllText(path)[..20]);

        Assert.Null(store.TryGet(entry.Key));
        Assert.Contains(warnings, w => w.Contains(path, StringComparison.Ordinal) && w.Contains("corrupt", StringComparison.Ordinal));
    }

    [Fact]
    public void EntryWhoseInputsDoNotHashToItsKey_IsAMiss()
    {
        var warnings = new List<string>();
        var store = new CacheStore(_workspace.CacheDirectory, warnings.Add);
        var entry = Entry("answer");
        store.Put(entry);
        var path = store.EntryPath(entry.Key);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"seed\": \"a\"", "\"seed\": \"b\"", StringComparison.Ordinal));

        Assert.Null(store.TryGet(entry.Key));
        Assert.Single(warnings);
    }

    [Fact]
    public async Task ConcurrentWritersOfOneKey_LeaveOneWholeEntry()
    {
        var stores = Enumerable.Range(0, 8).Select(_ => new CacheStore(_workspace.CacheDirectory)).ToArray();
        var entry = Entry(new string('r', 200_000));

        await Task.WhenAll(stores.Select(s => Task.Run(() =>
        {
            for (var i = 0; i < 25; i++)
            {
                s.Put(entry);
                Assert.Equal(entry.Response, s.TryGet(entry.Key)?.Response);
            }
        })));

        Assert.Single(Directory.GetFiles(Path.Combine(_workspace.CacheDirectory, "entries"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void RememberedDigest_SurvivesANewStore()
    {
        new CacheStore(_workspace.CacheDirectory).RememberDigest("llama3.2:latest", "sha256:abc");

        Assert.Equal("sha256:abc", new CacheStore(_workspace.CacheDirectory).GetRememberedDigest("llama3.2:latest"));
        Assert.Null(new CacheStore(_workspace.CacheDirectory).GetRememberedDigest("other:latest"));
    }
}

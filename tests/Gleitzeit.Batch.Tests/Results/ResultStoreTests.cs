using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Tests.Results;

public sealed class ResultStoreTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private static BatchPlan Plan() => new()
    {
        Root = "/tmp",
        Templates = [new PromptTemplate { Messages = [new("user", "p")], Model = "m" }],
        Items = [new BatchItem { File = "a.txt" }, new BatchItem { File = "b.txt" }, new BatchItem { File = "c.txt" }],
    };

    [Fact]
    public void TwoBatchesInOneSecond_GetDistinctIds()
    {
        var store = new ResultStore(_workspace.ResultsDirectory);
        var now = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

        var first = store.Create(Plan(), null, now);
        var second = store.Create(Plan(), null, now);

        Assert.Matches(@"^batch_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$", first.BatchId);
        Assert.Equal(first.BatchId + "_2", second.BatchId);
    }

    [Fact]
    public async Task ManyBatchesStartedInOneSecondAtOnce_EachGetsItsOwnId_AndHoldsIt()
    {
        var store = new ResultStore(_workspace.ResultsDirectory);
        var now = new DateTimeOffset(2026, 11, 27, 10, 6, 56, TimeSpan.Zero);
        using var start = new ManualResetEventSlim();

        var created = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() =>
        {
            start.Wait();
            return store.CreateHeld(Plan(), new BatchOrigin(), now);
        })).Append(Task.Run(() =>
        {
            start.Set();
            return store.CreateHeld(Plan(), new BatchOrigin(), now);
        })));

        try
        {
            Assert.Equal(13, created.Select(c => c.Record.BatchId).Distinct(StringComparer.Ordinal).Count());
            Assert.All(created, c => Assert.Throws<BatchBusyException>(() => store.Lock(c.Record.BatchId)));
        }
        finally
        {
            foreach (var (_, held) in created)
            {
                held.Dispose();
            }
        }
    }

    [Fact]
    public async Task ABatchTakenAMomentAgo_IsNamedByItsHoldersProcess_EvenBeforeItsIdIsWritten()
    {
        // The holder writes its process id just after taking the lock: a run refused in between still names it.
        var store = new ResultStore(_workspace.ResultsDirectory);
        var (record, held) = store.CreateHeld(Plan(), new BatchOrigin(), DateTimeOffset.Now);
        using var _ = held;
        var pidPath = Path.Combine(_workspace.ResultsDirectory, record.BatchId + ".pid");
        File.Delete(pidPath);
        var written = Task.Run(async () =>
        {
            await Task.Delay(100);
            File.WriteAllText(pidPath, "4242\n");
        });

        var busy = Assert.Throws<BatchBusyException>(() => store.Lock(record.BatchId));

        await written;
        Assert.Equal(4242, busy.ProcessId);
        Assert.Contains("is being run by process 4242", busy.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ItemsRecordedButNeverSaved_AreThereOnLoad_AsAfterAKill()
    {
        var store = new ResultStore(_workspace.ResultsDirectory);
        var record = store.Create(Plan(), null, DateTimeOffset.Now);
        store.Record(record, new ItemResult { File = "a.txt", Status = ItemResult.Success, Result = "A" });
        store.Record(record, new ItemResult { File = "b.txt", Status = ItemResult.Failed, Error = "boom" });

        var loaded = new ResultStore(_workspace.ResultsDirectory).Load(record.BatchId)!;

        Assert.Equal(BatchStatus.Running, loaded.Status);
        Assert.Equal("A", loaded.Results["a.txt"].Result);
        Assert.Equal(["b.txt", "c.txt"], loaded.Unfinished.Select(i => i.File));
    }

    [Fact]
    public void LineTornByAKill_IsIgnored_AndEverythingBeforeItKept()
    {
        var store = new ResultStore(_workspace.ResultsDirectory);
        var record = store.Create(Plan(), null, DateTimeOffset.Now);
        store.Record(record, new ItemResult { File = "a.txt", Status = ItemResult.Success, Result = "A" });
        File.AppendAllText(Path.Combine(_workspace.ResultsDirectory, record.BatchId + ".journal.jsonl"), "{\"file\":\"b.txt\",\"sta");

        var loaded = new ResultStore(_workspace.ResultsDirectory).Load(record.BatchId)!;

        Assert.Equal(["a.txt"], loaded.Results.Keys);
    }

    [Fact]
    public void Save_FoldsTheJournalIntoTheRecord()
    {
        var store = new ResultStore(_workspace.ResultsDirectory);
        var record = store.Create(Plan(), null, DateTimeOffset.Now);
        store.Record(record, new ItemResult { File = "a.txt", Status = ItemResult.Success, Result = "A" });
        record.Status = BatchStatus.Completed;

        store.Save(record);

        Assert.False(File.Exists(Path.Combine(_workspace.ResultsDirectory, record.BatchId + ".journal.jsonl")));
        var loaded = store.Load(record.BatchId)!;
        Assert.Equal(BatchStatus.Completed, loaded.Status);
        Assert.Equal("A", loaded.Results["a.txt"].Result);
    }

    [Fact]
    public void UnknownOrMalformedId_LoadsNothing()
    {
        var store = new ResultStore(_workspace.ResultsDirectory);

        Assert.Null(store.Load("batch_1999-01-01_00-00-00"));
        Assert.Null(store.Load("../../etc/passwd"));
    }

    [Fact]
    public void List_IsNewestFirst()
    {
        var store = new ResultStore(_workspace.ResultsDirectory);
        var older = store.Create(Plan(), null, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var newer = store.Create(Plan(), null, new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal([newer.BatchId, older.BatchId], store.List().Select(r => r.BatchId));
    }

    [Fact]
    public void NewRecord_IsWholeTheMomentItAppears_NeverAnEmptyFile()
    {
        var store = new ResultStore(_workspace.ResultsDirectory);

        var record = store.Create(Plan(), "http://127.0.0.1:11434", DateTimeOffset.Now);

        var onDisk = File.ReadAllText(store.RecordPath(record.BatchId));
        Assert.Contains("\"batch_id\"", onDisk, StringComparison.Ordinal);
        Assert.Equal(3, store.Load(record.BatchId)!.TotalFiles);
        Assert.Empty(Directory.GetFiles(_workspace.ResultsDirectory, "*.tmp"));
    }

    [Fact]
    public void TruncatedRecord_IsReportedAsDamagedNamingItsPath_AndListedApart()
    {
        var store = new ResultStore(_workspace.ResultsDirectory);
        var good = store.Create(Plan(), null, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var bad = store.Create(Plan(), null, new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero));
        var path = store.RecordPath(bad.BatchId);
        File.WriteAllText(path, File.ReadAllText(path)[..40]);

        var error = Assert.Throws<DamagedRecordException>(() => store.Load(bad.BatchId));
        var listing = store.List();

        Assert.Equal(path, error.Path);
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Equal([good.BatchId], listing.Select(r => r.BatchId));
        Assert.Equal(path, Assert.Single(listing.Damaged).Path);
    }

    [Fact]
    public void Lock_IsExclusive_AndNamesItsHolder_UntilReleased()
    {
        var store = new ResultStore(_workspace.ResultsDirectory);
        var record = store.Create(Plan(), null, DateTimeOffset.Now);

        using (store.Lock(record.BatchId))
        {
            var busy = Assert.Throws<BatchBusyException>(() => store.Lock(record.BatchId));
            Assert.Equal(Environment.ProcessId, busy.ProcessId);
        }

        using var again = store.Lock(record.BatchId);
    }
}

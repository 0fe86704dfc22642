using System.Text.Json;
using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Bulk;

/// <summary>
/// The remote batches not yet collected, one file each under <c>{results}/bulk/</c>, written atomically at every step
/// of a submission. One process at a time submits and collects (<c>bulk/ledger.lock</c>, held across the whole step), so
/// processes and machines sharing the results directory never submit a key twice while a batch holding it is pending.
/// </summary>
public sealed class BulkLedger(string resultsDirectory)
{
    private static readonly TimeSpan LockPoll = TimeSpan.FromMilliseconds(200);

    public string Directory { get; } = Path.Combine(Path.GetFullPath(resultsDirectory), "bulk");

    /// <summary>Takes the ledger, waiting at most <paramref name="wait"/> for another process to let it go.</summary>
    /// <exception cref="TimeoutException">Another process held it all that time.</exception>
    public async Task<IDisposable> LockAsync(TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, "ledger.lock");
        var started = time.GetTimestamp();
        while (true)
        {
            if (ExclusiveFile.TryAcquire(path) is { } held)
            {
                return new Held(held);
            }

            if (time.GetElapsedTime(started) >= wait)
            {
                throw new TimeoutException($"{path}: another gleitzeit process has been submitting or collecting remote batches for {wait.TotalMinutes:0} minutes; try again when it has finished");
            }

            await Task.Delay(LockPoll, time, cancellationToken);
        }
    }

    /// <summary>
    /// Every entry, oldest first, and the files that are not whole entries (cut, hand-edited): what keys those hold
    /// cannot be known, so no run may submit while one is there.
    /// </summary>
    public (IReadOnlyList<BulkEntry> Entries, IReadOnlyList<string> Unreadable) Load()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return ([], []);
        }

        var entries = new List<BulkEntry>();
        var unreadable = new List<string>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllBytes(path), BulkJsonContext.Default.BulkEntry) is { } entry && IsWhole(entry, path))
                {
                    entries.Add(entry);
                    continue;
                }
            }
            catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
            {
            }

            unreadable.Add(path);
        }

        return ([.. entries.OrderBy(e => e.CreatedAt).ThenBy(e => e.Id, StringComparer.Ordinal)], unreadable);
    }

    // What each state needs: its keys, and the remote ids it has reached.
    private static bool IsWhole(BulkEntry entry, string path) =>
        entry.Id == Path.GetFileNameWithoutExtension(path)
        && entry.Keys is { Count: > 0 } keys && keys.Values.All(k => k is { File: not null, Inputs: not null })
        && entry.Service is { Length: > 0 }
        && entry.State switch
        {
            BulkEntry.Prepared => true,
            BulkEntry.Uploaded => entry.FileId is { Length: > 0 },
            BulkEntry.Submitted => entry.BatchId is { Length: > 0 },
            _ => false,
        };

    public void Save(BulkEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        AtomicFile.Write(PathOf(entry.Id), JsonSerializer.SerializeToUtf8Bytes(entry, BulkJsonContext.Default.BulkEntry));
    }

    /// <summary>Removes a collected (or never submitted) entry.</summary>
    public void Remove(BulkEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        File.Delete(PathOf(entry.Id));
    }

    private string PathOf(string id) => Path.Combine(Directory, id + ".json");

    private sealed class Held(FileStream stream) : IDisposable
    {
        public void Dispose() => ExclusiveFile.Release(stream);
    }
}

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

    /// <summary>Every entry, oldest first; an unreadable one is reported and left in place (its keys count as pending).</summary>
    public IReadOnlyList<BulkEntry> Load(Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(warn);
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var entries = new List<BulkEntry>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllBytes(path), BulkJsonContext.Default.BulkEntry) is { } entry && entry.Id == Path.GetFileNameWithoutExtension(path))
                {
                    entries.Add(entry);
                    continue;
                }
            }
            catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
            {
                warn($"{path}: bulk ledger entry cannot be read ({ex.Message}); its remote batch is not collected until it is mended or removed");
                continue;
            }

            warn($"{path}: bulk ledger entry does not match its file name; its remote batch is not collected until it is mended or removed");
        }

        return [.. entries.OrderBy(e => e.CreatedAt).ThenBy(e => e.Id, StringComparer.Ordinal)];
    }

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

using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Results;

/// <summary>
/// Batch records in the results directory: <c>&lt;id&gt;.json</c> holds the plan and results as of the
/// last full write; <c>&lt;id&gt;.journal.jsonl</c> gets one line per item the moment it completes, so a
/// process killed at any point leaves every completed item recorded.
/// </summary>
public sealed class ResultStore
{
    private static readonly JsonWriterOptions JournalWriterOptions = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Lock _journalLock = new();
    private readonly Dictionary<string, FileStream> _journals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task> _initialWrites = new(StringComparer.Ordinal);

    public ResultStore(string directory)
    {
        Directory = Path.GetFullPath(directory);
    }

    public string Directory { get; }

    /// <summary>Creates a record with a new id <c>batch_YYYY-MM-DD_HH-MM-SS</c>, suffixed when that second is taken.</summary>
    public BatchRecord Create(BatchPlan plan, string? endpoint, DateTimeOffset now)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var stem = "batch_" + now.ToLocalTime().ToString("yyyy-MM-dd_HH-mm-ss", CultureInfo.InvariantCulture);
        for (var attempt = 1; ; attempt++)
        {
            var id = attempt == 1 ? stem : $"{stem}_{attempt}";
            try
            {
                // CreateNew reserves the id against other processes starting in the same second.
                using (new FileStream(RecordPath(id), FileMode.CreateNew, FileAccess.Write))
                {
                }
            }
            catch (IOException) when (File.Exists(RecordPath(id)))
            {
                continue;
            }

            var record = new BatchRecord { BatchId = id, CreatedAt = now, Status = BatchStatus.Running, Endpoint = endpoint, Plan = plan };

            // The first write runs beside the batch's start (its serializer warms up meanwhile); every later
            // write or journal line waits for it, and nothing changes the record before then.
            lock (_journalLock)
            {
                _initialWrites[id] = Task.Run(() => WriteRecord(record));
            }

            return record;
        }
    }

    /// <summary>Records one completed item: in memory and as a journal line flushed to the OS at once.</summary>
    public void Record(BatchRecord record, ItemResult result)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(result);
        lock (_journalLock)
        {
            AwaitInitialWrite(record.BatchId);
            record.Results[result.File] = result;
            if (!_journals.TryGetValue(record.BatchId, out var journal))
            {
                journal = new FileStream(JournalPath(record.BatchId), FileMode.Append, FileAccess.Write, FileShare.Read);
                _journals[record.BatchId] = journal;
            }

            using (var writer = new Utf8JsonWriter(journal, JournalWriterOptions))
            {
                JsonSerializer.Serialize(writer, result, GleitzeitJsonContext.Default.ItemResult);
            }

            journal.WriteByte((byte)'\n');
            journal.Flush();
        }
    }

    /// <summary>Writes the whole record atomically, then drops the journal it now contains.</summary>
    public void Save(BatchRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_journalLock)
        {
            AwaitInitialWrite(record.BatchId);
            WriteRecord(record);
            if (_journals.Remove(record.BatchId, out var journal))
            {
                journal.Dispose();
            }

            File.Delete(JournalPath(record.BatchId));
        }
    }

    private void WriteRecord(BatchRecord record) =>
        AtomicFile.Write(RecordPath(record.BatchId), JsonSerializer.SerializeToUtf8Bytes(record, GleitzeitJsonContext.Default.BatchRecord));

    private void AwaitInitialWrite(string batchId)
    {
        if (_initialWrites.Remove(batchId, out var write))
        {
            write.GetAwaiter().GetResult();
        }
    }

    /// <summary>Whether a record with this id exists.</summary>
    public bool Exists(string batchId) => IsValidId(batchId) && File.Exists(RecordPath(batchId));

    /// <summary>Loads a record with every journaled item applied; null when there is no such batch.</summary>
    public BatchRecord? Load(string batchId)
    {
        if (!Exists(batchId))
        {
            return null;
        }

        lock (_journalLock)
        {
            AwaitInitialWrite(batchId);
        }

        var bytes = File.ReadAllBytes(RecordPath(batchId));
        if (bytes.Length == 0)
        {
            return null;
        }

        var record = JsonSerializer.Deserialize(bytes, GleitzeitJsonContext.Default.BatchRecord)
            ?? throw new InvalidDataException($"{RecordPath(batchId)}: empty batch record");
        ApplyJournal(record);
        return record;
    }

    /// <summary>Every batch record, newest first; unreadable ones are left out.</summary>
    public IReadOnlyList<BatchRecord> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var records = new List<BatchRecord>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "batch_*.json"))
        {
            try
            {
                if (Load(Path.GetFileNameWithoutExtension(path)) is { } record)
                {
                    records.Add(record);
                }
            }
            catch (JsonException)
            {
            }
        }

        return [.. records.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.BatchId, StringComparer.Ordinal)];
    }

    /// <summary>Where a record lives.</summary>
    public string RecordPath(string batchId) => Path.Combine(Directory, batchId + ".json");

    private string JournalPath(string batchId) => Path.Combine(Directory, batchId + ".journal.jsonl");

    private static bool IsValidId(string batchId) =>
        batchId.Length > 0 && batchId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private void ApplyJournal(BatchRecord record)
    {
        var path = JournalPath(record.BatchId);
        if (!File.Exists(path))
        {
            return;
        }

        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        while (reader.ReadLine() is { } line)
        {
            try
            {
                if (JsonSerializer.Deserialize(line, GleitzeitJsonContext.Default.ItemResult) is { } result)
                {
                    record.Results[result.File] = result;
                }
            }
            catch (JsonException)
            {
                // A line torn by a kill mid-write: everything before it is intact.
            }
        }
    }
}

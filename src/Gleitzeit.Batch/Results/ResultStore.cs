using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gleitzeit.Batch.Planning;
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
    private ArrayBufferWriter<byte> _journalLine = new();
    private readonly Dictionary<string, FileStream> _journals = new(StringComparer.Ordinal);

    public ResultStore(string directory)
    {
        Directory = Path.GetFullPath(directory);
    }

    public string Directory { get; }

    /// <summary>Creates a record with a new id (see <see cref="CreateHeld"/>) and lets it go.</summary>
    public BatchRecord Create(BatchPlan plan, string? endpoint, DateTimeOffset now)
    {
        var (record, held) = CreateHeld(plan, new BatchOrigin { Endpoint = endpoint }, now);
        held.Dispose();
        return record;
    }

    /// <summary>
    /// Creates a record with a new id <c>batch_YYYY-MM-DD_HH-MM-SS</c> (suffixed when that second is taken), held by this
    /// process and written whole before it appears under its name, so a kill at any moment leaves no empty record.
    /// </summary>
    /// <remarks>
    /// The id is claimed by its lock before the record is written: processes starting in the same second would otherwise
    /// both see the name free and both rename onto it, and the second would find its own batch busy.
    /// </remarks>
    public (BatchRecord Record, BatchLock Held) CreateHeld(BatchPlan plan, BatchOrigin origin, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(origin);
        System.IO.Directory.CreateDirectory(Directory);
        var stem = "batch_" + now.ToLocalTime().ToString("yyyy-MM-dd_HH-mm-ss", CultureInfo.InvariantCulture);
        for (var attempt = 1; ; attempt++)
        {
            var id = attempt == 1 ? stem : $"{stem}_{attempt}";
            if (File.Exists(RecordPath(id)) || BatchLock.TryAcquire(Directory, id) is not { } held)
            {
                continue;
            }

            if (File.Exists(RecordPath(id)))
            {
                held.Dispose();
                continue;
            }

            var record = new BatchRecord
            {
                BatchId = id,
                CreatedAt = now,
                Status = BatchStatus.Running,
                Provider = origin.Provider,
                Endpoint = origin.Endpoint,
                ApiKeyVariable = origin.ApiKeyVariable,
                ModelsDirectory = origin.ModelsDirectory,
                WorkingDirectory = origin.WorkingDirectory,
                RunSettings = origin.RunSettings,
                Plan = plan,
            };
            try
            {
                WriteRecord(record);
            }
            catch
            {
                held.Dispose();
                throw;
            }

            return (record, held);
        }
    }

    /// <summary>Holds a recorded batch for a run in this process.</summary>
    /// <exception cref="BatchBusyException">Another process runs it.</exception>
    public BatchLock Lock(string batchId) => BatchLock.Acquire(Directory, batchId);

    /// <summary>Records one completed item: in memory and as a journal line flushed to the OS at once.</summary>
    public void Record(BatchRecord record, ItemResult result)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(result);
        lock (_journalLock)
        {
            record.Results[result.File] = result;
            if (!_journals.TryGetValue(record.BatchId, out var journal))
            {
                journal = new FileStream(JournalPath(record.BatchId), FileMode.Append, FileAccess.Write, FileShare.Read);
                _journals[record.BatchId] = journal;
            }

            // The line and its newline reach the OS in one write.
            _journalLine.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(_journalLine, JournalWriterOptions))
            {
                JsonSerializer.Serialize(writer, result, ResultsJsonContext.Default.ItemResult);
            }

            _journalLine.Write("\n"u8);
            journal.Write(_journalLine.WrittenSpan);
            journal.Flush();
            if (_journalLine.Capacity > 1 << 16)
            {
                _journalLine = new ArrayBufferWriter<byte>();
            }
        }
    }

    /// <summary>Writes the whole record atomically, then drops the journal it now contains.</summary>
    public void Save(BatchRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_journalLock)
        {
            WriteRecord(record);
            if (_journals.Remove(record.BatchId, out var journal))
            {
                journal.Dispose();
            }

            File.Delete(JournalPath(record.BatchId));
        }
    }

    private void WriteRecord(BatchRecord record) =>
        AtomicFile.Write(RecordPath(record.BatchId), JsonSerializer.SerializeToUtf8Bytes(record, ResultsJsonContext.Default.BatchRecord));

    /// <summary>Whether a record with this id exists.</summary>
    public bool Exists(string batchId) => IsValidId(batchId) && File.Exists(RecordPath(batchId));

    /// <summary>Loads a record with every journaled item applied; null when there is no such batch.</summary>
    /// <exception cref="DamagedRecordException">The record exists but cannot be read.</exception>
    public BatchRecord? Load(string batchId)
    {
        if (!Exists(batchId))
        {
            return null;
        }

        var path = RecordPath(batchId);
        BatchRecord? record;
        try
        {
            var bytes = File.ReadAllBytes(path);
            record = bytes.Length == 0 ? null : JsonSerializer.Deserialize(bytes, ResultsJsonContext.Default.BatchRecord);
        }
        catch (JsonException ex)
        {
            throw new DamagedRecordException(path, ex.Message);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        if (record?.Plan is null)
        {
            throw new DamagedRecordException(path, "it is empty or has no plan");
        }

        ApplyJournal(record);
        return record;
    }

    /// <summary>Every batch record, newest first, and the paths of the ones that cannot be read.</summary>
    public RecordListing List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return new RecordListing([], []);
        }

        var records = new List<BatchRecord>();
        var damaged = new List<DamagedRecordException>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "batch_*.json"))
        {
            try
            {
                if (Load(Path.GetFileNameWithoutExtension(path)) is { } record)
                {
                    records.Add(record);
                }
            }
            catch (DamagedRecordException ex)
            {
                damaged.Add(ex);
            }
        }

        return new RecordListing(
            [.. records.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.BatchId, StringComparer.Ordinal)],
            [.. damaged.OrderBy(d => d.Path, StringComparer.Ordinal)]);
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
                if (JsonSerializer.Deserialize(line, ResultsJsonContext.Default.ItemResult) is { } result)
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

/// <summary>The records of a results directory: the readable ones newest first, and the damaged ones by path.</summary>
public sealed class RecordListing(IReadOnlyList<BatchRecord> records, IReadOnlyList<DamagedRecordException> damaged) : IReadOnlyList<BatchRecord>
{
    /// <summary>The readable records, newest first.</summary>
    public IReadOnlyList<BatchRecord> Records { get; } = records;

    /// <summary>Records that cannot be read, each naming its path.</summary>
    public IReadOnlyList<DamagedRecordException> Damaged { get; } = damaged;

    public int Count => Records.Count;

    public BatchRecord this[int index] => Records[index];

    public IEnumerator<BatchRecord> GetEnumerator() => Records.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

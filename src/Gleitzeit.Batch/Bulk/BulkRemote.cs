using System.Collections.ObjectModel;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Providers.OpenAi;

namespace Gleitzeit.Batch.Bulk;

/// <summary>
/// The ledger's entries against the service: a submission step by step (the entry saved before each), the recovery
/// of an entry a killed process left half way, and the collection of a finished batch's output and error files.
/// </summary>
internal sealed class BulkRemote(OpenAiBatchApi api, BulkLedger ledger, string scratchDirectory, Action<string> warn)
{
    // How far back a batch created by a killed process is looked for, before the entry was written.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromHours(1);

    public OpenAiBatchApi Api => api;

    /// <summary>Uploads a written input file and creates its batch, saving the entry after each step; the file is deleted once uploaded.</summary>
    public async Task<RemoteBatch> SubmitAsync(BulkEntry entry, string inputPath, CancellationToken cancellationToken)
    {
        try
        {
            entry.FileId = await api.UploadAsync(inputPath, entry.FileName, cancellationToken);
        }
        finally
        {
            TryDelete(inputPath);
        }

        entry.State = BulkEntry.Uploaded;
        ledger.Save(entry);
        return await CreateAsync(entry, cancellationToken);
    }

    /// <summary>
    /// Finds out what became of an entry a run did not finish submitting: adopts the batch the service holds for it, or
    /// creates the batch over its uploaded file; null when nothing of it reached the service (its keys are free again).
    /// </summary>
    public async Task<RemoteBatch?> RecoverAsync(BulkEntry entry, CancellationToken cancellationToken)
    {
        if (await api.FindAsync(entry.Id, entry.CreatedAt - ClockSkew, cancellationToken) is { } found)
        {
            Adopt(entry, found);
            return found;
        }

        if (entry.State == BulkEntry.Uploaded && entry.FileId is not null)
        {
            try
            {
                return await CreateAsync(entry, cancellationToken);
            }
            catch (ChatProviderException ex) when (ex.Code == DiagnosticCodes.RequestRejected)
            {
                // The uploaded file is gone: nothing was submitted.
                warn($"remote batch input {entry.FileId} of ledger entry {entry.Id} could not be submitted ({ex.Message}); its {entry.Keys.Count} requests are sent again");
            }
        }

        // An upload whose answer never came may still be there, holding document text: it is removed.
        foreach (var orphan in await api.FindFilesAsync(entry.FileName, cancellationToken))
        {
            await api.DeleteFileAsync(orphan, cancellationToken);
        }

        ledger.Remove(entry);
        return null;
    }

    public async Task<RemoteBatch> PollAsync(BulkEntry entry, CancellationToken cancellationToken)
    {
        var batch = await api.GetAsync(entry.BatchId!, cancellationToken);
        if (batch.Status != entry.RemoteStatus)
        {
            entry.RemoteStatus = batch.Status;
            ledger.Save(entry);
        }

        return batch;
    }

    /// <summary>
    /// Reads a finished batch's output and error files: one line per key it answered or failed, the keys with neither
    /// failed with the batch's own reason (expired, cancelled, validation failed). The remote files stay until
    /// <see cref="DeleteFilesAsync"/>, once the answers are stored: a process killed in between collects them again.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, BulkLine>> CollectAsync(BulkEntry entry, RemoteBatch batch, CancellationToken cancellationToken)
    {
        var lines = new Dictionary<string, BulkLine>(StringComparer.Ordinal);
        foreach (var fileId in new[] { batch.OutputFileId, batch.ErrorFileId }.OfType<string>())
        {
            await ReadAsync(fileId, entry, lines, cancellationToken);
        }

        var (reason, transient) = batch.Status switch
        {
            "failed" => ($"the service failed the remote batch {batch.Id} ({batch.Errors ?? "no reason given"})", true),
            "expired" => ($"the remote batch {batch.Id} expired before this request was answered", true),
            "cancelled" => ($"the remote batch {batch.Id} was cancelled before this request was answered", false),
            _ => ($"the remote batch {batch.Id} ({batch.Status}) returned no line for this request", true),
        };
        foreach (var key in entry.Keys.Keys.Where(k => !lines.ContainsKey(k)))
        {
            lines[key] = new BulkLine(key, null, reason, transient);
        }

        return new ReadOnlyDictionary<string, BulkLine>(lines);
    }

    /// <summary>Deletes a collected batch's input, output and error files from the service (each tried once).</summary>
    public async Task DeleteFilesAsync(BulkEntry entry, RemoteBatch batch, CancellationToken cancellationToken)
    {
        foreach (var fileId in new[] { entry.FileId, batch.OutputFileId, batch.ErrorFileId }.OfType<string>())
        {
            await TryDeleteRemoteAsync(fileId, cancellationToken);
        }
    }

    private async Task ReadAsync(string fileId, BulkEntry entry, Dictionary<string, BulkLine> lines, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(scratchDirectory);
        var path = Path.Combine(scratchDirectory, $"{entry.Id}-{fileId}.jsonl");
        try
        {
            await api.DownloadAsync(fileId, path, cancellationToken);
            var bad = 0;
            var duplicates = 0;
            foreach (var text in File.ReadLines(path))
            {
                if (text.Length == 0)
                {
                    continue;
                }

                if (BulkLine.Parse(text) is not { } line || !entry.Keys.ContainsKey(line.CustomId))
                {
                    bad++;
                    continue;
                }

                // An answer wins over an error line for the same request; a second answer to one request is the service's
                // mistake: the first is kept, and it is said.
                if (lines.TryGetValue(line.CustomId, out var earlier) && earlier.Body is not null)
                {
                    duplicates++;
                }
                else if (line.Body is not null || earlier is null)
                {
                    lines[line.CustomId] = line;
                }
            }

            if (duplicates > 0)
            {
                warn($"remote file {fileId} of batch {entry.BatchId}: {duplicates} request(s) were answered more than once; the first answer of each is kept");
            }

            if (bad > 0)
            {
                warn($"remote file {fileId} of batch {entry.BatchId}: {bad} line(s) are not answers to requests of this batch and were left out");
            }
        }
        finally
        {
            TryDelete(path);
        }
    }

    private async Task<RemoteBatch> CreateAsync(BulkEntry entry, CancellationToken cancellationToken)
    {
        var batch = await api.CreateAsync(entry.FileId!, new Dictionary<string, string>(StringComparer.Ordinal) { [RemoteBatch.LedgerKey] = entry.Id }, cancellationToken);
        Adopt(entry, batch);
        return batch;
    }

    private void Adopt(BulkEntry entry, RemoteBatch batch)
    {
        entry.BatchId = batch.Id;
        entry.FileId ??= batch.InputFileId;
        entry.RemoteStatus = batch.Status;
        entry.State = BulkEntry.Submitted;
        ledger.Save(entry);
    }

    private async Task TryDeleteRemoteAsync(string fileId, CancellationToken cancellationToken)
    {
        try
        {
            await api.DeleteFileAsync(fileId, cancellationToken);
        }
        catch (ChatProviderException ex)
        {
            warn($"remote file {fileId} could not be deleted ({ex.Message}); delete it in the service's storage");
        }
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}

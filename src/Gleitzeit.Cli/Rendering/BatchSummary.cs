using System.Globalization;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Cli.Rendering;

/// <summary>The lines after a batch: id, totals, time, where results went, and the exit code they mean.</summary>
internal static class BatchSummary
{
    public static int Print(CliContext context, BatchOutcome outcome, string recordPath)
    {
        var record = outcome.Record;
        var cached = record.Results.Values.Count(r => r.Cached);
        if (context.Chatty)
        {
            context.Out.WriteLine();
        }

        context.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Batch {record.BatchId}: {record.TotalFiles} files, {record.Successful} ok ({(record.FromArtifact > 0 ? $"{record.FromArtifact} from the artifact, {cached - record.FromArtifact}" : cached)} from cache, {outcome.Sent} sent{(outcome.Collected == 0 ? string.Empty : $", {outcome.Collected} collected from the Batch API")}), {record.Failed} failed, {record.Skipped} skipped{(record.Submitted == 0 ? string.Empty : $", {record.Submitted} submitted")}{(record.NotRun == 0 ? string.Empty : $", {record.NotRun} not run")} in {outcome.Elapsed.TotalSeconds:0.00} s"));
        if (context.Chatty)
        {
            context.Out.WriteLine($"Results saved to {recordPath}");
        }

        if (record.Status == BatchStatus.Aborted)
        {
            context.Error.WriteLine($"gleitzeit: error {record.ErrorCode}: {record.Error}");
            context.Error.WriteLine($"Finished items are kept; after fixing that, run `gleitzeit batch-resume {record.BatchId}` (it goes back to where the batch ran; --endpoint sends it elsewhere).");
            return ExitCodes.UsageOrConfiguration;
        }

        if (record.Status == BatchStatus.Cancelled)
        {
            context.Error.WriteLine($"Interrupted. Finished items are kept; run `gleitzeit batch-resume {record.BatchId}` to finish the rest.");
            return ExitCodes.Cancelled;
        }

        if (record.Submitted > 0)
        {
            var remote = string.Join(", ", record.RemoteBatches.Where(p => !p.Value.Collected).Select(p => $"{p.Key} ({p.Value.Status})"));
            context.Error.WriteLine($"gleitzeit: warning {Batch.Contract.DiagnosticCodes.BulkSubmitted}: {record.Submitted} request{(record.Submitted == 1 ? " waits" : "s wait")} in the Batch API ({remote}), answered within 24 h; `gleitzeit batch-resume {record.BatchId}` (or the same run again) collects them, --wait waits for them.");
        }

        if (record.Successful + record.Submitted < record.TotalFiles)
        {
            var notOk = record.TotalFiles - record.Successful - record.Submitted;
            context.Error.WriteLine($"{notOk} item{(notOk == 1 ? string.Empty : "s")} did not succeed; run `gleitzeit batch-resume {record.BatchId}` to retry only those.");
            return ExitCodes.ItemsFailed;
        }

        return ExitCodes.Success;
    }
}

using System.Globalization;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Cli.Rendering;

/// <summary>The lines after a batch: id, totals, time, where results went, and the exit code they mean.</summary>
internal static class BatchSummary
{
    public static int Print(CliContext context, BatchOutcome outcome, string recordPath, Batch.Configuration.BatchSettings settings)
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
        var report = BatchReport.Of(record.Plan.Name ?? record.BatchId, outcome);
        if (report.Checked > 0)
        {
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Checks: {report.ChecksPassed} of {report.Checked} answers passed{(outcome.Judged == 0 ? string.Empty : $" ({outcome.Judged} judge call{(outcome.Judged == 1 ? string.Empty : "s")}, {outcome.JudgeTokens} tokens)")}"));
        }

        if (context.Chatty)
        {
            context.Out.WriteLine($"Results saved to {recordPath}");
        }

        var findings = PrintFindings(context, record, settings);

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

        if (findings.Any(f => f.IsError))
        {
            var failing = findings.Where(f => f.IsError).Select(f => f.File).Distinct(StringComparer.Ordinal).Count();
            var unjudged = findings.Any(f => f.Code is not (Batch.Contract.DiagnosticCodes.CheckFailed or Batch.Contract.DiagnosticCodes.JudgeScoreLow));
            context.Error.WriteLine($"{failing} answer{(failing == 1 ? " does" : "s do")} not pass {(failing == 1 ? "its" : "their")} checks; fix the prompt or the checks{(unjudged ? $" (a missing verdict is asked for again by `gleitzeit batch-resume {record.BatchId}`)" : string.Empty)}.");
            return ExitCodes.ItemsFailed;
        }

        return ExitCodes.Success;
    }

    /// <summary>Prints each failed check, low score and missing verdict of <paramref name="record"/> as a coded line; returns them.</summary>
    public static IReadOnlyList<ReviewFinding> PrintFindings(CliContext context, BatchRecord record, Batch.Configuration.BatchSettings settings)
    {
        var findings = ReviewFindings.Of(record, settings.ChecksFailAsErrors);
        foreach (var finding in findings)
        {
            context.Error.WriteLine($"gleitzeit: {(finding.IsError ? "error" : "warning")} {finding.Code}: {Batch.Contract.Diagnostic.OneLine(finding.File)}: {Batch.Contract.Diagnostic.OneLine(finding.Message)}");
        }

        return findings;
    }
}

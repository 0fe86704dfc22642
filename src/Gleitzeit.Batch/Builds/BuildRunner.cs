using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Export;
using Gleitzeit.Batch.Planning;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Serialization;
using Gleitzeit.Batch.Workflows;

namespace Gleitzeit.Batch.Builds;

/// <summary>
/// Runs a build's batches and workflows and writes exactly the artifacts the targets expect: a pure function of the
/// inputs and the cached results (no ids, dates, wall times, absolute paths or server addresses in them), ordered by
/// path. Everything is checked before the first model call.
/// </summary>
/// <param name="manifest">What the MSBuild task asks for.</param>
/// <param name="settings">The build's resolved settings.</param>
/// <param name="runBatch">Runs one batch (the engine's).</param>
/// <param name="runWorkflow">Runs one workflow (the engine's).</param>
public sealed class BuildRunner(
    BuildManifest manifest,
    BatchSettings settings,
    Func<BatchPlan, CancellationToken, Task<BatchOutcome>> runBatch,
    Func<WorkflowDefinition, CancellationToken, Task<WorkflowOutcome>> runWorkflow)
{
    private static readonly DateTime IncompleteTimestamp = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Runs everything, writes the artifacts and returns what to report.</summary>
    public async Task<BuildOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var diagnostics = new List<Diagnostic>();
        var summaries = new List<string>();
        var artifacts = new List<string>();
        var (plans, errors) = BuildPlanner.Plan(manifest, new PlanBuilder(settings));
        diagnostics.AddRange(errors);
        var workflows = new List<WorkflowDefinition>();
        foreach (var file in manifest.Workflows)
        {
            try
            {
                workflows.Add(WorkflowParser.Parse(file));
            }
            catch (ConfigurationException ex)
            {
                diagnostics.Add(ex.ToDiagnostic(file));
            }
        }

        if (diagnostics.Any(d => d.IsError))
        {
            // Nothing is sent and no artifact is touched: the build fails now, and again next time, until it is fixed.
            return new BuildOutcome(diagnostics, summaries, artifacts);
        }

        foreach (var plan in plans)
        {
            var outcome = await runBatch(plan, cancellationToken);
            var results = ResultsOf(outcome.Record);
            artifacts.AddRange(WriteArtifacts(plan.Name!, plan.ExportParameters, results));
            WriteItemOutputs(plan, results, diagnostics);
            Report(plan, outcome, diagnostics, summaries);
        }

        foreach (var workflow in workflows)
        {
            var outcome = await runWorkflow(workflow, cancellationToken);
            var results = new List<ItemResult>();
            foreach (var task in outcome.Tasks)
            {
                if (task.Batch is null)
                {
                    results.Add(new ItemResult { File = task.Task.Id, Status = ItemResult.Failed, Error = task.Error, ErrorCode = DiagnosticCodes.InvalidWorkflow });
                    diagnostics.Add(new Diagnostic(Severity, DiagnosticCodes.InvalidWorkflow, workflow.File, $"task '{task.Task.Name}' {task.Error}", task.Task.Line));
                    continue;
                }

                results.AddRange(ResultsOf(task.Batch.Record).Select(r => Prefixed(r, task.Task.Id)));
                Report(task.Batch.Record.Plan, task.Batch, diagnostics, summaries, workflow.File);
            }

            var parameters = new JsonObject { ["workflow"] = workflow.Name };
            artifacts.AddRange(WriteArtifacts(Path.GetFileNameWithoutExtension(workflow.File), parameters, results));
        }

        return new BuildOutcome(diagnostics, summaries, artifacts);
    }

    private DiagnosticSeverity Severity => settings.FailOnError ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning;

    private static ItemResult Prefixed(ItemResult result, string task) => new()
    {
        File = result.File == task ? task : $"{task}/{result.File}",
        Status = result.Status,
        Result = result.Result,
        Error = result.Error,
        ErrorCode = result.ErrorCode,
        ProcessingTime = result.ProcessingTime,
        Tokens = result.Tokens,
        Cached = result.Cached,
    };

    // Every planned item appears: one the run never reached is failed, with the code of what stopped the batch.
    private static List<ItemResult> ResultsOf(BatchRecord record) =>
        [.. record.Plan.Items.Select(item => record.Results.TryGetValue(item.File, out var result)
            ? result
            : new ItemResult
            {
                File = item.File,
                Status = ItemResult.Failed,
                Error = record.ErrorCode is null ? "not run: the build stopped before this item" : $"not run: the batch stopped before this item ({record.ErrorCode})",
                ErrorCode = record.ErrorCode ?? DiagnosticCodes.Cancelled,
            })];

    private List<string> WriteArtifacts(string batch, JsonObject parameters, List<ItemResult> results)
    {
        var document = ExportDocument.ForArtifact(batch, parameters, results);

        // Skips (too large, empty, not a regular file) are settled until an input changes; a failure may go away on a
        // re-run, so its artifacts are dated in the past and the next build runs the target again.
        var incomplete = results.Any(r => r.Status == ItemResult.Failed);
        var written = new List<string>();
        foreach (var output in manifest.Outputs.Where(o => string.Equals(o.Batch, batch, StringComparison.Ordinal)))
        {
            var format = ExportFormats.Parse(output.Format) ?? ExportFormat.Json;
            AtomicFile.Write(output.Path, ExportFormats.ToBytes(format, document));
            if (incomplete)
            {
                File.SetLastWriteTimeUtc(output.Path, IncompleteTimestamp);
            }

            written.Add(output.Path);
        }

        return written;
    }

    // An item's own output file holds its answer; when the item did not succeed it is removed, so a stale answer never
    // looks current.
    private static void WriteItemOutputs(BatchPlan plan, List<ItemResult> results, List<Diagnostic> diagnostics)
    {
        var byFile = results.ToDictionary(r => r.File, StringComparer.Ordinal);
        foreach (var item in plan.Items.Where(i => i.OutputFile is not null))
        {
            if (byFile.TryGetValue(item.File, out var result) && result.Status == ItemResult.Success)
            {
                AtomicFile.Write(item.OutputFile!, new UTF8Encoding(false).GetBytes((result.Result ?? string.Empty).ReplaceLineEndings("\n")));
            }
            else if (File.Exists(item.OutputFile))
            {
                File.Delete(item.OutputFile!);
                diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.OutputWriteFailed, item.OutputFile!, $"removed: its item {item.File} did not succeed, so its previous answer is no longer current"));
            }
        }
    }

    private static string NotRun(BatchRecord record) => record.NotRun == 0 ? string.Empty : $", {record.NotRun} not run";

    private void Report(BatchPlan plan, BatchOutcome outcome, List<Diagnostic> diagnostics, List<string> summaries, string? fileForFatal = null)
    {
        var record = outcome.Record;
        if (record.Error is not null)
        {
            diagnostics.Add(new Diagnostic(Severity, record.ErrorCode ?? DiagnosticCodes.ServerError, fileForFatal ?? manifest.ProjectFile, $"batch '{plan.Name}': {record.Error}"));
        }

        foreach (var item in plan.Items)
        {
            if (record.Results.TryGetValue(item.File, out var result) && result.Status != ItemResult.Success)
            {
                var severity = result.Status == ItemResult.Failed ? Severity : DiagnosticSeverity.Warning;
                diagnostics.Add(new Diagnostic(severity, result.ErrorCode ?? DiagnosticCodes.ServerError, item.FullPath ?? fileForFatal ?? manifest.ProjectFile, result.Error ?? result.Status));
            }
        }

        var tokens = record.Results.Values.Sum(r => (long)(r.Tokens?.Prompt ?? 0) + (r.Tokens?.Completion ?? 0));
        summaries.Add(string.Create(
            CultureInfo.InvariantCulture,
            $"Gleitzeit batch '{plan.Name}': {record.TotalFiles} items, {record.Cached} from cache, {outcome.Sent} sent, {record.Failed} failed, {record.Skipped} skipped{NotRun(record)}, {tokens} tokens, {outcome.Elapsed.TotalSeconds:0.00} s ({record.BatchId})"));
    }
}

/// <summary>What a build run reports: diagnostics, one summary line per batch, the artifacts written.</summary>
public sealed record BuildOutcome(IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyList<string> Summaries, IReadOnlyList<string> Artifacts)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}

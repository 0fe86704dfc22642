using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Caching;
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
/// path, with their provenance. Everything is checked before the first model call. The JSON artifact already at the
/// output path is read first: its answers are served by key before the cache and the model (the committed lockfile).
/// In verify mode nothing is written: each artifact that would change is an error naming its first differing line.
/// </summary>
/// <param name="manifest">What the MSBuild task asks for.</param>
/// <param name="settings">The build's resolved settings.</param>
/// <param name="runBatch">Runs one batch (the engine's).</param>
/// <param name="runWorkflow">Runs one workflow (the engine's).</param>
/// <param name="readArtifact">Reads a committed JSON artifact as a cache tier (its answers, and what was wrong with it).</param>
public sealed class BuildRunner(
    BuildManifest manifest,
    BatchSettings settings,
    Func<BatchPlan, RunOptions?, CancellationToken, Task<BatchOutcome>> runBatch,
    Func<WorkflowDefinition, RunOptions?, CancellationToken, Task<WorkflowOutcome>> runWorkflow,
    Func<string, ArtifactRead> readArtifact)
{
    private static readonly DateTime IncompleteTimestamp = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Runs everything, writes the artifacts and returns what to report.</summary>
    public async Task<BuildOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var diagnostics = new List<Diagnostic>();
        var summaries = new List<string>();
        var artifacts = new List<string>();
        var reports = new List<BatchReport>();
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

        var committed = ReadCommittedArtifacts(diagnostics, summaries);
        if (diagnostics.Any(d => d.IsError))
        {
            // Nothing is sent and no artifact is touched: the build fails now, and again next time, until it is fixed.
            return new BuildOutcome(diagnostics, summaries, artifacts) { Reports = reports };
        }

        // Every batch's OutputFiles: one that moved to another batch is that batch's now, never an orphan.
        var ownedOutputFiles = new HashSet<string>(plans.SelectMany(p => p.Items).Where(i => i.OutputFile is not null).Select(i => i.OutputFile!), OutputRules.Comparer);
        foreach (var plan in plans)
        {
            var outcome = await runBatch(plan, Options(committed, plan.Name!), cancellationToken);
            var results = ResultsOf(outcome.Record);
            artifacts.AddRange(WriteArtifacts(plan.Name!, plan.ExportParameters, results, Provenance.From([(plan, results)]), diagnostics));
            WriteItemOutputs(plan, results, diagnostics);
            RemoveOrphanedOutputFiles(plan, committed.GetValueOrDefault(plan.Name!), ownedOutputFiles, diagnostics, summaries);

            Report(plan, outcome, diagnostics, summaries);
            reports.Add(BatchReport.Of(plan.Name!, outcome));
        }

        foreach (var workflow in workflows)
        {
            var name = Path.GetFileNameWithoutExtension(workflow.File);
            var outcome = await runWorkflow(workflow, Options(committed, name), cancellationToken);
            var results = new List<ItemResult>();
            var batches = new List<(BatchPlan, IReadOnlyList<ItemResult>)>();
            foreach (var task in outcome.Tasks)
            {
                if (task.Batch is null)
                {
                    results.Add(new ItemResult { File = task.Task.Id, Status = ItemResult.Failed, Error = task.Error, ErrorCode = DiagnosticCodes.InvalidWorkflow });
                    diagnostics.Add(new Diagnostic(Severity, DiagnosticCodes.InvalidWorkflow, workflow.File, $"task '{task.Task.Name}' {task.Error}", task.Task.Line));
                    continue;
                }

                var taskResults = ResultsOf(task.Batch.Record);
                batches.Add((task.Batch.Record.Plan, taskResults));
                results.AddRange(taskResults.Select(r => Prefixed(r, task.Task.Id)));
                Report(task.Batch.Record.Plan, task.Batch, diagnostics, summaries, workflow.File);
                reports.Add(BatchReport.Of($"{name}/{task.Task.Id}", task.Batch));
            }

            var parameters = new JsonObject { ["workflow"] = workflow.Name };
            artifacts.AddRange(WriteArtifacts(name, parameters, results, Provenance.From(batches), diagnostics));
        }

        DateJsonArtifactsFirst(artifacts);
        return new BuildOutcome(diagnostics, summaries, artifacts) { Reports = reports };
    }

    // The committed JSON artifacts, read before anything is sent. One with merge-conflict markers serves both sides'
    // answers and is written resolved by a normal build; Locked and verify builds check what is committed, so there a
    // conflicted or unreadable artifact is an error and nothing is written. Elsewhere an unreadable one is a warning.
    private Dictionary<string, ArtifactAnswers?> ReadCommittedArtifacts(List<Diagnostic> diagnostics, List<string> summaries)
    {
        var checking = settings.Verify || settings.CacheMode == CacheMode.Locked;
        var answers = new Dictionary<string, ArtifactAnswers?>(StringComparer.Ordinal);
        foreach (var json in manifest.Outputs.Where(o => ExportFormats.Parse(o.Format) == ExportFormat.Json))
        {
            var read = readArtifact(json.Path);
            answers[json.Batch] = read.Answers;
            var line = read.ConflictLine ?? 1;
            switch (read.Problem)
            {
                case ArtifactProblem.Conflicted when checking:
                    diagnostics.Add(Diagnostic.Error(DiagnosticCodes.ArtifactConflicted, json.Path, $"merge-conflict markers from line {line}: run `dotnet build` where the model is reachable (both sides' answers are kept, nothing is sent for them) and commit the resolved artifacts", line, 1));
                    break;
                case ArtifactProblem.Conflicted:
                    summaries.Add($"Gleitzeit: {json.Path} had merge-conflict markers (line {line}): both sides' answers are served and the artifacts are written resolved");
                    break;
                case ArtifactProblem.Unreadable:
                    diagnostics.Add(new Diagnostic(
                        checking ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
                        DiagnosticCodes.ArtifactUnreadable,
                        json.Path,
                        checking
                            ? $"the committed artifact cannot be read ({read.Message}); nothing is written over it: restore it from Git (`git checkout -- <file>`), or delete it and run `dotnet build` where the model is reachable"
                            : $"the committed artifact cannot be read ({read.Message}); its answers are not used, and this build writes it anew",
                        line,
                        1));
                    break;
            }
        }

        return answers;
    }

    private static RunOptions? Options(Dictionary<string, ArtifactAnswers?> committed, string batch) =>
        committed.TryGetValue(batch, out var answers) ? new RunOptions { Artifact = answers } : null;

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
        Source = result.Source,
        CacheKey = result.CacheKey,
        Model = result.Model,
        ModelDigest = result.ModelDigest,
        Checks = result.Checks,
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

    private List<string> WriteArtifacts(string batch, JsonObject parameters, List<ItemResult> results, Provenance provenance, List<Diagnostic> diagnostics)
    {
        var document = ExportDocument.ForArtifact(batch, parameters, results, provenance, manifest.ProjectDirectory);

        // Skips (too large, empty, not a regular file) are settled until an input changes; a failure may go away on a
        // re-run, so its artifacts are dated in the past and the next build runs the target again.
        // So are answers whose review is an error (no verdict, or a failed check with checks_fail: error): the build fails
        // again until they are fixed, instead of passing because nothing changed.
        var incomplete = results.Any(r => r.Status is ItemResult.Failed or ItemResult.Submitted
            || r.Checks is { Settled: false } || (settings.ChecksFailAsErrors && r.Checks is { Pass: false }));
        var written = new List<string>();

        // The JSON first: it is an input of the target as well as an output, and must not be newer than the others.
        var outputs = manifest.Outputs
            .Where(o => string.Equals(o.Batch, batch, StringComparison.Ordinal))
            .OrderBy(o => ExportFormats.Parse(o.Format) == ExportFormat.Json ? 0 : 1);
        foreach (var output in outputs)
        {
            var format = ExportFormats.Parse(output.Format) ?? ExportFormat.Json;
            var bytes = ExportFormats.ToBytes(format, document);
            if (settings.Verify)
            {
                var before = File.Exists(output.Path) ? File.ReadAllBytes(output.Path) : null;
                if (ArtifactDiff.Compare(before, bytes) is { } difference)
                {
                    diagnostics.Add(Diagnostic.Error(
                        DiagnosticCodes.ArtifactNotCurrent,
                        output.Path,
                        $"not current for its inputs ({difference.Text}); run `dotnet build` where the model is reachable and commit the changed artifacts",
                        difference.Line, 1));
                }

                continue;
            }

            if (incomplete && settings.CacheMode == CacheMode.Locked && File.Exists(output.Path))
            {
                // A Locked build is a check of what is committed: a result with failed items never replaces it.
                continue;
            }

            AtomicFile.Write(output.Path, bytes);
            if (incomplete)
            {
                File.SetLastWriteTimeUtc(output.Path, IncompleteTimestamp);
            }

            written.Add(output.Path);
        }

        return written;
    }

    // Every JSON artifact is an input of the target as well as an output: none may be newer than any artifact written
    // (a workflow's JSON is written after a batch's CSV), or the next build would run again. Back-dated ones stay so.
    private static void DateJsonArtifactsFirst(List<string> written)
    {
        var existing = written.Where(File.Exists).ToList();
        if (existing.Count == 0)
        {
            return;
        }

        var first = existing.Min(File.GetLastWriteTimeUtc);
        foreach (var json in existing.Where(p => p.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && File.GetLastWriteTimeUtc(p) > first))
        {
            File.SetLastWriteTimeUtc(json, first);
        }
    }

    // An item's own output file holds its answer; when the item did not succeed it is removed, so a stale answer never
    // looks current. Verifying, each one that would change is an error instead.
    private void WriteItemOutputs(BatchPlan plan, List<ItemResult> results, List<Diagnostic> diagnostics)
    {
        var byFile = results.ToDictionary(r => r.File, StringComparer.Ordinal);
        foreach (var item in plan.Items.Where(i => i.OutputFile is not null))
        {
            var answer = byFile.TryGetValue(item.File, out var result) && result.Status == ItemResult.Success
                ? new UTF8Encoding(false).GetBytes((result.Result ?? string.Empty).ReplaceLineEndings("\n"))
                : null;
            if (settings.Verify)
            {
                var before = File.Exists(item.OutputFile) ? File.ReadAllBytes(item.OutputFile!) : null;
                var difference = answer is null
                    ? before is null ? null : new ArtifactDifference(1, $"its item {item.File} did not succeed, so it would be removed")
                    : ArtifactDiff.Compare(before, answer);
                if (difference is not null)
                {
                    diagnostics.Add(Diagnostic.Error(DiagnosticCodes.ArtifactNotCurrent, item.OutputFile!, $"not current for its inputs ({difference.Text}); run `dotnet build` where the model is reachable and commit the changed files", difference.Line, 1));
                }
            }
            else if (answer is not null)
            {
                AtomicFile.Write(item.OutputFile!, answer);
            }
            else if (File.Exists(item.OutputFile) && settings.CacheMode != CacheMode.Locked)
            {
                File.Delete(item.OutputFile!);
                diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.OutputWriteFailed, item.OutputFile!, $"removed: its item {item.File} did not succeed, so its previous answer is no longer current"));
            }
        }
    }

    // An OutputFile the committed artifact lists whose item is gone (its input deleted or renamed, its OutputFile
    // changed) holds an answer nothing produces any more: a normal build removes it, verify names it, Locked keeps it.
    private void RemoveOrphanedOutputFiles(BatchPlan plan, ArtifactAnswers? committed, HashSet<string> current, List<Diagnostic> diagnostics, List<string> summaries)
    {
        if (committed is null)
        {
            return;
        }

        foreach (var listed in committed.OutputFiles)
        {
            if (!ItemRules.IsInside(manifest.ProjectDirectory, listed))
            {
                continue;
            }

            var path = OutputRules.Full(manifest.ProjectDirectory, listed);
            if (current.Contains(path) || !File.Exists(path))
            {
                continue;
            }

            if (settings.Verify)
            {
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.ArtifactNotCurrent, path, $"not current: no item of batch '{plan.Name}' writes it any more (its input was deleted or renamed), so a build removes it; run `dotnet build` and commit the removal", 1, 1));
            }
            else if (settings.CacheMode != CacheMode.Locked)
            {
                File.Delete(path);
                summaries.Add($"Gleitzeit: removed {listed}: no item of batch '{plan.Name}' writes it any more");
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
            if (record.Results.TryGetValue(item.File, out var result) && result.Status is not (ItemResult.Success or ItemResult.Submitted))
            {
                var severity = result.Status == ItemResult.Failed ? Severity : DiagnosticSeverity.Warning;
                diagnostics.Add(new Diagnostic(severity, result.ErrorCode ?? DiagnosticCodes.ServerError, item.FullPath ?? fileForFatal ?? manifest.ProjectFile, result.Error ?? result.Status));
            }
        }

        foreach (var finding in Execution.ReviewFindings.Of(record, settings.ChecksFailAsErrors))
        {
            diagnostics.Add(new Diagnostic(finding.Severity, finding.Code, finding.Path ?? fileForFatal ?? manifest.ProjectFile, finding.Path is null ? $"{finding.File}: {finding.Message}" : finding.Message));
        }

        if (record.Submitted > 0)
        {
            var remote = string.Join(", ", record.RemoteBatches.Where(p => !p.Value.Collected).Select(p => p.Key));
            diagnostics.Add(Diagnostic.Warning(
                DiagnosticCodes.BulkSubmitted,
                fileForFatal ?? manifest.ProjectFile,
                $"batch '{plan.Name}': {record.Submitted} request(s) wait in the Batch API ({remote}; {outcome.Submitted} submitted by this build), answered within 24 h; the next build collects them"));
        }

        var tokens = record.Results.Values.Sum(r => (long)(r.Tokens?.Prompt ?? 0) + (r.Tokens?.Completion ?? 0));
        var report = BatchReport.Of(plan.Name!, outcome);
        var checks = report.Checked == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", checks {report.ChecksPassed}/{report.Checked} passed ({outcome.Judged} judge call(s), {outcome.JudgeTokens} judge tokens)");
        summaries.Add(string.Create(
            CultureInfo.InvariantCulture,
            $"Gleitzeit batch '{plan.Name}': {record.TotalFiles} items, {record.Cached} from cache, {outcome.Sent} sent{(outcome.Collected == 0 ? string.Empty : $", {outcome.Collected} collected from the Batch API")}, {record.Failed} failed, {record.Skipped} skipped{(record.Submitted == 0 ? string.Empty : $", {record.Submitted} submitted")}{NotRun(record)}, {tokens} tokens{checks}, {outcome.Elapsed.TotalSeconds:0.00} s ({record.BatchId})"));
    }
}

/// <summary>What a build run reports: diagnostics, one summary line per batch, the artifacts written.</summary>
public sealed record BuildOutcome(IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyList<string> Summaries, IReadOnlyList<string> Artifacts)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    /// <summary>Each batch (and workflow task) in numbers, for a CI job summary.</summary>
    public IReadOnlyList<BatchReport> Reports { get; init; } = [];
}

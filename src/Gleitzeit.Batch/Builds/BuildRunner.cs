using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Export;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Serialization;
using Gleitzeit.Batch.Workflows;

namespace Gleitzeit.Batch.Builds;

/// <summary>
/// Runs a build's batches and workflows and writes their reviewable artifacts: a pure function of the
/// inputs and the cached results (no ids, dates or wall times in them), ordered by path.
/// </summary>
public sealed class BuildRunner(BuildManifest manifest, Func<BatchPlan, CancellationToken, Task<BatchOutcome>> runBatch, Configuration.BatchSettings settings)
{
    /// <summary>Runs everything, writes the artifacts and returns what to report.</summary>
    public async Task<BuildOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var diagnostics = new List<BuildDiagnostic>();
        var summaries = new List<string>();
        var artifacts = new List<string>();
        var (plans, errors) = BuildPlanner.Plan(manifest, settings);
        diagnostics.AddRange(errors);
        foreach (var plan in plans)
        {
            var outcome = await runBatch(plan, cancellationToken);
            var results = ResultsOf(outcome.Record);
            artifacts.AddRange(WriteArtifacts(plan.Name!, plan.Parameters, results));
            WriteItemOutputs(plan, results);
            Report(plan, outcome, diagnostics, summaries);
        }

        foreach (var file in manifest.Workflows)
        {
            var workflow = WorkflowParser.Parse(file);
            var outcome = await new WorkflowRunner(settings, runBatch).RunAsync(workflow, cancellationToken);
            var results = new List<ItemResult>();
            foreach (var task in outcome.Tasks)
            {
                if (task.Batch is null)
                {
                    results.Add(new ItemResult { File = task.Task.Id, Status = ItemResult.Failed, Error = task.Error });
                    diagnostics.Add(new BuildDiagnostic(manifest.FailOnError, DiagnosticCodes.InvalidWorkflow, file, $"task '{task.Task.Name}' {task.Error}"));
                    continue;
                }

                results.AddRange(ResultsOf(task.Batch.Record).Select(r => Prefixed(r, task.Task.Id)));
                Report(task.Batch.Record.Plan, task.Batch, diagnostics, summaries, file);
            }

            var parameters = new JsonObject { ["workflow"] = workflow.Name };
            artifacts.AddRange(WriteArtifacts(Path.GetFileNameWithoutExtension(file), parameters, results));
        }

        return new BuildOutcome(diagnostics, summaries, artifacts);
    }

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

    // Every planned item appears: one the run could not reach is failed with the error that stopped it.
    private static List<ItemResult> ResultsOf(BatchRecord record) =>
        [.. record.Plan.Items.Select(item => record.Results.TryGetValue(item.File, out var result)
            ? result
            : new ItemResult { File = item.File, Status = ItemResult.Failed, Error = record.Error ?? "not processed", ErrorCode = record.ErrorCode })];

    private List<string> WriteArtifacts(string name, JsonObject parameters, List<ItemResult> results)
    {
        var document = ExportDocument.ForArtifact(name, parameters, results);
        var written = new List<string>();
        foreach (var formatName in manifest.Formats)
        {
            var format = ExportFormats.Parse(formatName) ?? throw new Configuration.ConfigurationException($"GleitzeitFormats: '{formatName}' is not json, csv or md", manifest.ProjectFile);
            var path = Path.Combine(manifest.OutputDirectory, name + ExportFormats.Extension(format));
            AtomicFile.Write(path, ExportFormats.ToBytes(format, document));
            if (results.Any(r => r.Status != ItemResult.Success))
            {
                // Older than any input: the next build runs the target again, and the cache sends only what is missing.
                File.SetLastWriteTimeUtc(path, IncompleteTimestamp);
            }

            written.Add(path);
        }

        return written;
    }

    private static readonly DateTime IncompleteTimestamp = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static void WriteItemOutputs(BatchPlan plan, List<ItemResult> results)
    {
        var byFile = results.ToDictionary(r => r.File, StringComparer.Ordinal);
        foreach (var item in plan.Items.Where(i => i.OutputFile is not null))
        {
            if (byFile.TryGetValue(item.File, out var result) && result.Status == ItemResult.Success)
            {
                AtomicFile.Write(item.OutputFile!, new UTF8Encoding(false).GetBytes((result.Result ?? string.Empty).ReplaceLineEndings("\n")));
            }
        }
    }

    private static string NotRun(BatchRecord record) => record.NotRun == 0 ? string.Empty : $", {record.NotRun} not run";

    private void Report(BatchPlan plan, BatchOutcome outcome, List<BuildDiagnostic> diagnostics, List<string> summaries, string? fileForFatal = null)
    {
        var record = outcome.Record;
        if (record.Error is not null)
        {
            diagnostics.Add(new BuildDiagnostic(manifest.FailOnError, record.ErrorCode ?? DiagnosticCodes.ServerError, fileForFatal ?? manifest.ProjectFile, $"batch '{plan.Name}': {record.Error}"));
        }

        foreach (var item in plan.Items)
        {
            if (record.Results.TryGetValue(item.File, out var result) && result.Status != ItemResult.Success)
            {
                var isError = result.Status == ItemResult.Failed && manifest.FailOnError;
                diagnostics.Add(new BuildDiagnostic(isError, result.ErrorCode ?? DiagnosticCodes.ServerError, item.FullPath ?? fileForFatal ?? manifest.ProjectFile, result.Error ?? result.Status));
            }
        }

        var tokens = record.Results.Values.Sum(r => (long)(r.Tokens?.Prompt ?? 0) + (r.Tokens?.Completion ?? 0));
        summaries.Add(string.Create(
            CultureInfo.InvariantCulture,
            $"Gleitzeit batch '{plan.Name}': {record.TotalFiles} items, {record.Cached} from cache, {outcome.Sent} sent, {record.Failed} failed, {record.Skipped} skipped{NotRun(record)}, {tokens} tokens, {outcome.Elapsed.TotalSeconds:0.00} s ({record.BatchId})"));
    }
}

/// <summary>What a build run reports: diagnostics, one summary line per batch, the artifacts written.</summary>
public sealed record BuildOutcome(IReadOnlyList<BuildDiagnostic> Diagnostics, IReadOnlyList<string> Summaries, IReadOnlyList<string> Artifacts)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}

using Gleitzeit.Batch;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Export;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Serialization;
using Gleitzeit.Cli.Rendering;

namespace Gleitzeit.Cli.Commands;

/// <summary>Runs or resumes a batch with progress, then its summary and optional export: shared by batch and batch-resume.</summary>
internal static class RunPresenter
{
    /// <param name="start">Starts the run; it is given the engine and the committed artifact at <paramref name="exportPath"/> (a JSON one), if any.</param>
    public static async Task<int> RunAsync(CliContext context, BatchSettings settings, string title, Func<GleitzeitEngine, RunOptions?, Task<BatchOutcome>> start, ExportFormat? exportFormat, string? exportPath)
    {
        BulkOnly(settings);
        if (settings.Verify && exportPath is null)
        {
            throw new CliException("--verify compares the artifact named by --output with what the inputs give now: add --output <file>");
        }

        var renderer = ProgressRenderers.For(context);
        using var engine = new GleitzeitEngine(settings, renderer);
        var format = exportFormat ?? ExportFormat.Json;
        var full = exportPath is null ? null : context.Resolve(exportPath);
        var options = full is not null && format == ExportFormat.Json ? new RunOptions { Artifact = ReadArtifact(context, engine, full) } : null;
        var outcome = await renderer.RunAsync(title, () => start(engine, options));
        var exit = BatchSummary.Print(context, outcome, engine.Results.RecordPath(outcome.Record.BatchId), settings);
        if (full is not null)
        {
            var bytes = ExportFormats.ToBytes(format, Artifact(outcome.Record, full));
            if (settings.Verify)
            {
                exit = Math.Max(exit, Verify(context, full, bytes));
            }
            else
            {
                Write(context, full, bytes, format);
            }
        }

        JobSummaryOutput.Append(context, $"gleitzeit: {outcome.Record.BatchId}", [BatchReport.Of(outcome.Record.Plan.Name ?? outcome.Record.BatchId, outcome)]);
        return exit;
    }

    /// <summary><c>--wait</c> waits for Batch API jobs: without bulk there are none, and a live run would pay full price unasked.</summary>
    public static void BulkOnly(BatchSettings settings)
    {
        if (settings.BulkWait is not null && !settings.Bulk)
        {
            throw new CliException("--wait waits for the answers of Batch API jobs: add --bulk (or execution: bulk), or leave --wait out to send the items as live calls");
        }
    }

    /// <summary>
    /// What <c>--output</c> writes: the batch as a reviewable artifact (no id or date, so the same results give the same
    /// bytes), with its provenance and each answer's key: the next run's lockfile. <c>batch-export</c> gives the
    /// seed layout with the batch id and date.
    /// </summary>
    public static ExportDocument Artifact(BatchRecord record, string path)
    {
        var results = record.Results.Values.ToList();
        return ExportDocument.ForArtifact(record.Plan.Name ?? Path.GetFileNameWithoutExtension(path), record.Plan.ExportParameters, results, Provenance.From([(record.Plan, results)]));
    }

    // A conflicted or unreadable lockfile is said once; its answers (both sides of a conflict) are still served where they can be.
    private static ArtifactAnswers? ReadArtifact(CliContext context, GleitzeitEngine engine, string path)
    {
        var read = engine.ReadArtifact(path);
        if (read.Problem is ArtifactProblem.Conflicted or ArtifactProblem.Unreadable)
        {
            context.Error.WriteLine(read.Answers is null ? $"warning: {path}: {read.Message}; its answers are not used" : $"warning: {path}: {read.Message}");
        }

        return read.Answers;
    }

    private static int Verify(CliContext context, string path, byte[] bytes)
    {
        var before = File.Exists(path) ? File.ReadAllBytes(path) : null;
        if (ArtifactDiff.Compare(before, bytes) is not { } difference)
        {
            context.Out.WriteLine($"Verified: {path} is current");
            return ExitCodes.Success;
        }

        context.Error.WriteLine(Diagnostic.Error(DiagnosticCodes.ArtifactNotCurrent, path, $"not current for its inputs ({difference.Text}); run the same command without --verify where the model is reachable, and commit {Path.GetFileName(path)}", difference.Line, 1).ToString());
        return ExitCodes.ItemsFailed;
    }

    public static void Write(CliContext context, string full, byte[] bytes, ExportFormat format)
    {
        try
        {
            AtomicFile.Write(full, bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write {full}: {ex.Message}", DiagnosticCodes.OutputWriteFailed);
        }

        if (context.Chatty)
        {
            context.Out.WriteLine($"Exported {format.ToString().ToLowerInvariant()} to {full}");
        }
    }

    /// <summary>The format named by <c>--format</c>, else implied by the output file's suffix; null when neither is given.</summary>
    public static ExportFormat? ResolveFormat(string? formatName, string? outputPath)
    {
        if (formatName is not null)
        {
            return ExportFormats.Parse(formatName) ?? throw new CliException($"--format '{formatName}': expected json, csv or markdown");
        }

        if (outputPath is null)
        {
            return null;
        }

        return ExportFormats.FromPath(outputPath)
            ?? throw new CliException($"cannot tell the format of '{outputPath}' from its suffix: name a .json, .csv or .md file, or add --format json|csv|markdown");
    }

    /// <summary>Text as a title shows it: one line, at most <paramref name="length"/> characters.</summary>
    public static string Shorten(string text, int length = 60)
    {
        var oneLine = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length <= length ? oneLine : oneLine[..(length - 1)].TrimEnd() + "…";
    }
}

using Gleitzeit.Batch;
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
    public static async Task<int> RunAsync(CliContext context, BatchSettings settings, string title, Func<GleitzeitEngine, Task<BatchOutcome>> start, ExportFormat? exportFormat, string? exportPath)
    {
        var renderer = ProgressRenderers.For(context);
        using var engine = new GleitzeitEngine(settings, renderer);
        var outcome = await renderer.RunAsync(title, () => start(engine));
        if (exportPath is not null)
        {
            Export(context, outcome.Record, exportFormat ?? ExportFormat.Json, exportPath);
        }

        return BatchSummary.Print(context, outcome, engine.Results.RecordPath(outcome.Record.BatchId));
    }

    public static void Export(CliContext context, BatchRecord record, ExportFormat format, string path)
    {
        var full = context.Resolve(path);
        try
        {
            AtomicFile.Write(full, ExportFormats.ToBytes(format, ExportDocument.FromRecord(record)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write {full}: {ex.Message}", DiagnosticCodes.OutputWriteFailed);
        }

        context.Out.WriteLine($"Exported {format.ToString().ToLowerInvariant()} to {full}");
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

using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Export;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Serialization;
using Gleitzeit.Cli.Rendering;

namespace Gleitzeit.Cli.Commands;

/// <summary>Runs or resumes a batch with progress, summary and optional export: shared by batch, batch-resume and run.</summary>
internal static class BatchRunning
{
    public static async Task<int> RunAsync(CliContext context, BatchSettings settings, string title, Func<BatchRunner, Task<BatchOutcome>> start, ExportFormat? exportFormat, string? exportPath)
    {
        using var provider = new OllamaChatProvider(settings.Endpoint);
        var store = new ResultStore(settings.ResultsDirectory);
        var renderer = ProgressRenderers.For(context);
        var runner = new BatchRunner(provider, settings, store, renderer);
        var outcome = await renderer.RunAsync(title, () => start(runner));
        if (exportPath is not null)
        {
            Export(context, outcome.Record, exportFormat ?? ExportFormat.Json, exportPath);
        }

        return BatchSummary.Print(context, outcome, store.RecordPath(outcome.Record.BatchId));
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
            throw new CliException($"cannot write {full}: {ex.Message}", Batch.Contract.DiagnosticCodes.OutputWriteFailed);
        }

        context.Out.WriteLine($"Exported {format.ToString().ToLowerInvariant()} to {full}");
    }

    /// <summary>The format named by <c>--format</c>, else implied by the output file's suffix, else JSON.</summary>
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
}

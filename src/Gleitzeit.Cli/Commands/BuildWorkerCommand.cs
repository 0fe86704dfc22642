using System.CommandLine;
using Gleitzeit.Batch;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Builds;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Cli.Rendering;

namespace Gleitzeit.Cli.Commands;

/// <summary>
/// <c>gleitzeit build-worker --manifest obj/…/gleitzeit.manifest.xml</c>: the worker the MSBuild task runs out of
/// process. Prints one plain line per item, canonical <c>file: error GZxxxx: …</c> diagnostics, and summary lines
/// prefixed <see cref="BuildContract.SummaryPrefix"/> for the task to log at high importance. It ends, keeping what
/// finished, when the build that started it is gone.
/// </summary>
internal sealed class BuildWorkerCommand(CliContext context)
{
    public Command Build()
    {
        var manifest = new Option<string>("--manifest") { Description = "The manifest the MSBuild task wrote", Required = true };
        var command = new Command("build-worker", "Run the batches of an MSBuild project (used by the Gleitzeit.Build package)") { Hidden = true };
        command.Options.Add(manifest);
        command.SetAction((parse, cancellation) => RunAsync(context.Resolve(parse.GetValue(manifest)!), cancellation));
        return command;
    }

    private async Task<int> RunAsync(string manifestPath, CancellationToken cancellation)
    {
        BuildManifest manifest;
        BatchSettings settings;
        try
        {
            manifest = BuildManifest.Load(manifestPath);
            settings = manifest.Settings(context.Environment);
        }
        catch (ConfigurationException ex)
        {
            context.Out.WriteLine(ex.Canonical(manifestPath));
            return ExitCodes.UsageOrConfiguration;
        }

        using var parent = manifest.ParentProcess is { } id ? new ParentWatch(id) : null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, parent?.Gone ?? CancellationToken.None);
        BuildOutcome outcome;
        try
        {
            using var engine = new GleitzeitEngine(settings, new PlainProgressRenderer(context, manifest.ProjectFile));
            outcome = await engine.BuildAsync(manifest, stop.Token);
        }
        catch (ConfigurationException ex)
        {
            context.Out.WriteLine(ex.Canonical(manifest.ProjectFile));
            return ExitCodes.UsageOrConfiguration;
        }
        catch (OperationCanceledException)
        {
            var why = parent?.Gone.IsCancellationRequested == true ? "the build that started this worker ended" : "cancelled";
            context.Out.WriteLine(Diagnostic.Error(DiagnosticCodes.Cancelled, manifest.ProjectFile, $"{why}; finished items are recorded and cached, and the next build sends only the rest").ToString());
            return ExitCodes.Cancelled;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Out.WriteLine(Diagnostic.Error(DiagnosticCodes.OutputWriteFailed, manifest.ProjectFile, ex.Message).ToString());
            return ExitCodes.UsageOrConfiguration;
        }

        foreach (var artifact in outcome.Artifacts)
        {
            context.Out.WriteLine($"wrote {artifact}");
        }

        foreach (var diagnostic in outcome.Diagnostics)
        {
            context.Out.WriteLine(diagnostic.ToString());
        }

        foreach (var summary in outcome.Summaries)
        {
            context.Out.WriteLine(BuildContract.SummaryPrefix + summary);
        }

        if (outcome.Reports.Count > 0 && JobSummary.Append(context.Environment, JobSummary.Render($"Gleitzeit: {Path.GetFileName(manifest.ProjectFile)}", outcome.Reports)) is { } problem)
        {
            context.Out.WriteLine(Diagnostic.Warning(DiagnosticCodes.OutputWriteFailed, manifest.ProjectFile, problem).ToString());
        }

        if (stop.IsCancellationRequested)
        {
            var why = parent?.Gone.IsCancellationRequested == true ? "the build that started this worker ended" : "cancelled";
            context.Out.WriteLine(Diagnostic.Error(DiagnosticCodes.Cancelled, manifest.ProjectFile, $"{why}; finished items are recorded and cached, and the next build sends only the rest").ToString());
            return ExitCodes.Cancelled;
        }

        return outcome.HasErrors ? ExitCodes.ItemsFailed : ExitCodes.Success;
    }
}

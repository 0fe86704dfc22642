using System.CommandLine;
using Gleitzeit.Batch.Builds;
using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Execution;
using Gleitzeit.Batch.Providers;
using Gleitzeit.Batch.Results;
using Gleitzeit.Cli.Rendering;

namespace Gleitzeit.Cli.Commands;

/// <summary>
/// <c>gleitzeit build-worker --manifest obj/…/gleitzeit.manifest.xml</c>: the worker the MSBuild task runs
/// out of process. Prints one plain line per item, canonical <c>file: error GZxxxx: …</c> diagnostics,
/// and summary lines prefixed <see cref="SummaryPrefix"/> for the task to log at high importance.
/// </summary>
internal sealed class BuildWorkerCommand(CliContext context)
{
    /// <summary>Marks a line the MSBuild task logs at high importance.</summary>
    public const string SummaryPrefix = "gleitzeit-summary: ";

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

        var renderer = new PlainProgressRenderer(context);
        using var provider = new OllamaChatProvider(settings.Endpoint);
        var store = new ResultStore(settings.ResultsDirectory);
        var runner = new BuildRunner(manifest, (plan, token) => new BatchRunner(provider, settings, store, renderer).RunAsync(plan, token), settings);
        BuildOutcome outcome;
        try
        {
            outcome = await runner.RunAsync(cancellation);
        }
        catch (ConfigurationException ex)
        {
            context.Out.WriteLine(ex.Canonical(manifest.ProjectFile));
            return ExitCodes.UsageOrConfiguration;
        }
        catch (OperationCanceledException)
        {
            context.Out.WriteLine($"{manifest.ProjectFile}: warning GZ2003: cancelled; finished items are recorded and cached");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Out.WriteLine($"{manifest.ProjectFile}: error {Batch.Contract.DiagnosticCodes.OutputWriteFailed}: {ex.Message}");
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
            context.Out.WriteLine(SummaryPrefix + summary);
        }

        return outcome.HasErrors ? ExitCodes.ItemsFailed : ExitCodes.Success;
    }
}

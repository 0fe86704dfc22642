using Gleitzeit.Batch.Contract;
using Gleitzeit.Batch.Execution;

namespace Gleitzeit.Cli.Rendering;

/// <summary>Adds a run's table to the CI job summary, warning (GZ3005) when the summary file cannot take it.</summary>
internal static class JobSummaryOutput
{
    public static void Append(CliContext context, string title, IEnumerable<BatchReport> reports)
    {
        if (JobSummary.Append(context.Environment, JobSummary.Render(title, reports)) is { } problem)
        {
            context.Error.WriteLine($"gleitzeit: warning {DiagnosticCodes.OutputWriteFailed}: {problem}");
        }
    }
}

using System.Globalization;
using System.Text;
using Gleitzeit.Batch.Discovery;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// The Markdown a CI job summary shows (GitHub Actions' <c>GITHUB_STEP_SUMMARY</c>): one table row per batch, then
/// the failures with their file and code. Appended, so several steps and builds add up in one summary.
/// </summary>
public static class JobSummary
{
    /// <summary>The environment variable GitHub Actions sets to the summary file of the current step.</summary>
    public const string Variable = "GITHUB_STEP_SUMMARY";

    /// <summary>The Markdown for <paramref name="reports"/>.</summary>
    public static string Render(string title, IEnumerable<BatchReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var list = reports.ToList();
        var text = new StringBuilder();
        text.Append("### ").Append(title).Append("\n\n");
        text.Append("| batch | items | from artifact | from cache | sent | failed | tokens in | tokens out | time |\n");
        text.Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        foreach (var r in list)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {Cell(r.Name)} | {r.Items} | {r.FromArtifact} | {r.FromCache} | {r.Sent} | {r.Failed} | {r.TokensIn} | {r.TokensOut} | {r.Time.TotalSeconds:0.0} s |\n");
        }

        var split = list.SelectMany(r => r.Split.Select(s => (r.Name, s))).ToList();
        if (split.Count > 0)
        {
            text.Append("\nLong documents answered in parts:\n\n");
            foreach (var (batch, result) in split)
            {
                var sent = result.Cached ? "no call" : (result.PartsSent ?? 0) == 1 ? "1 call" : $"{result.PartsSent ?? 0} calls";
                text.Append(CultureInfo.InvariantCulture, $"- `{result.File}` ({Cell(batch)}): {result.Parts} parts, {sent}\n");
            }
        }

        foreach (var r in list.Where(r => r.Checked > 0))
        {
            text.Append(CultureInfo.InvariantCulture, $"\nChecks of {Cell(r.Name)}: {r.ChecksPassed} of {r.Checked} answers passed");
            text.Append(r.Judged == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" ({r.Judged} judge call(s), {r.JudgeTokens} tokens)")).Append(r.ChecksFailed.Count == 0 ? ".\n" : "; lowest first:\n\n");
            foreach (var failed in r.ChecksFailed.Take(10))
            {
                var checks = failed.Checks!;
                var score = checks.Score is { } s ? string.Create(CultureInfo.InvariantCulture, $"score {s:0.##}, ") : string.Empty;
                var reasons = string.Join("; ", (checks.Failed ?? []).Select(f => $"{f.Check}: {f.Reason}").Append(checks.JudgeError ?? string.Empty).Where(t => t.Length > 0));
                text.Append(CultureInfo.InvariantCulture, $"- `{failed.File}`: {score}{Cell(Contract.Diagnostic.OneLine(reasons))}\n");
            }

            if (r.ChecksFailed.Count > 10)
            {
                text.Append(CultureInfo.InvariantCulture, $"- … and {r.ChecksFailed.Count - 10} more\n");
            }
        }

        var failures = list.SelectMany(r => r.Failures.Select(f => (r.Name, f))).ToList();
        if (failures.Count > 0)
        {
            text.Append("\nFailures:\n\n");
            foreach (var (batch, failure) in failures)
            {
                text.Append(CultureInfo.InvariantCulture, $"- `{failure.File}` ({Cell(batch)}): {failure.ErrorCode} {Cell(Contract.Diagnostic.OneLine(failure.Error))}\n");
            }
        }

        return text.Append('\n').ToString();
    }

    /// <summary>Appends <paramref name="markdown"/> to the summary file named by <paramref name="environment"/>, if any.</summary>
    /// <returns>Null when written (or no summary is asked for); else why not, naming the file.</returns>
    public static string? Append(Func<string, string?> environment, string markdown)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(Variable) is not { Length: > 0 } path)
        {
            return null;
        }

        // A FIFO would block the end of the run until something reads it; a device or directory is no summary either.
        if (FileKinds.Of(path) is var kind and not (FileKind.Regular or FileKind.Missing))
        {
            return $"the job summary {path} ({Variable}) is {FileKinds.Describe(kind)}, not a file; nothing was written to it";
        }

        try
        {
            File.AppendAllText(path, markdown, new UTF8Encoding(false));
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"the job summary {path} ({Variable}) could not be written: {ex.Message}";
        }
    }

    private static string Cell(string? text) => (text ?? string.Empty).Replace("|", "\\|", StringComparison.Ordinal);
}

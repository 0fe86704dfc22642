using Gleitzeit.Batch.Contract;
using Gleitzeit.Batch.Results;
using Gleitzeit.Batch.Review;

namespace Gleitzeit.Batch.Execution;

/// <summary>
/// What a batch's reviews mean for the run: one finding per failed check, judge's fail or missing verdict, on the
/// item's file. A failed check or a low score is a warning unless <c>checks_fail: error</c>; a missing verdict (the
/// judge's answer was not the asked JSON, the call failed, Locked had none) is always an error, never a pass.
/// </summary>
public static class ReviewFindings
{
    /// <summary>The findings of <paramref name="record"/>'s answered items, in the plan's order.</summary>
    public static IReadOnlyList<ReviewFinding> Of(BatchRecord record, bool checksAreErrors)
    {
        ArgumentNullException.ThrowIfNull(record);
        var findings = new List<ReviewFinding>();
        var severity = checksAreErrors ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning;
        foreach (var item in record.Plan.Items)
        {
            if (!record.Results.TryGetValue(item.File, out var result) || result.Status != ItemResult.Success || result.Checks is not { Pass: false } checks)
            {
                continue;
            }

            var failed = checks.Failed ?? [];
            var plain = failed.Where(f => f.Check != Settings.Judge.Key).ToList();
            if (plain.Count > 0)
            {
                findings.Add(new ReviewFinding(item.File, item.FullPath, severity, DiagnosticCodes.CheckFailed, $"the answer failed {(plain.Count == 1 ? "a check" : $"{plain.Count} checks")}: {string.Join("; ", plain.Select(f => $"{f.Check}: {f.Reason}"))}"));
            }

            foreach (var judged in failed.Where(f => f.Check == Settings.Judge.Key))
            {
                findings.Add(new ReviewFinding(item.File, item.FullPath, severity, DiagnosticCodes.JudgeScoreLow, judged.Reason));
            }

            if (checks.JudgeError is { } error)
            {
                findings.Add(new ReviewFinding(item.File, item.FullPath, DiagnosticSeverity.Error, checks.JudgeErrorCode ?? DiagnosticCodes.JudgeFailed, error));
            }
        }

        return findings;
    }
}

/// <summary>One finding of a review.</summary>
/// <param name="File">The item's name.</param>
/// <param name="Path">The item's file, for annotations; null for an item without one.</param>
/// <param name="Severity">A warning, or an error that fails the build and the CLI run.</param>
/// <param name="Code">GZ5001 (check), GZ5002 (judge's score), GZ5003 (no verdict) or the code of what stopped the judge.</param>
/// <param name="Message">What failed and why.</param>
public sealed record ReviewFinding(string File, string? Path, DiagnosticSeverity Severity, string Code, string Message)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;
}

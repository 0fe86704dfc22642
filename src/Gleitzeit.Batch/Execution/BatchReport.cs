using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Execution;

/// <summary>One batch's run in numbers, for summaries: items, where answers came from, tokens, time, failures.</summary>
public sealed record BatchReport(string Name, int Items, int FromArtifact, int FromCache, int Sent, int Failed, int Skipped, long TokensIn, long TokensOut, TimeSpan Time, IReadOnlyList<ItemResult> Failures)
{
    /// <summary>The long documents answered in parts (<c>long_documents: split</c>), ordered by path.</summary>
    public IReadOnlyList<ItemResult> Split { get; init; } = [];

    /// <summary>Answers with checks or a judge, and how many of them passed.</summary>
    public int Checked { get; init; }

    public int ChecksPassed { get; init; }

    /// <summary>Judge calls this run made, and their tokens: apart from the answers' <see cref="Sent"/> and tokens.</summary>
    public int Judged { get; init; }

    public long JudgeTokens { get; init; }

    /// <summary>The answers that did not pass, lowest score first (unscored ones last), by path among equals.</summary>
    public IReadOnlyList<ItemResult> ChecksFailed { get; init; } = [];

    /// <summary>The report of a finished run.</summary>
    public static BatchReport Of(string name, BatchOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var record = outcome.Record;
        var sent = record.Results.Values.Where(r => r.Status == ItemResult.Success && !r.Cached).ToList();
        return new BatchReport(
            name,
            record.TotalFiles,
            record.FromArtifact,
            record.Cached - record.FromArtifact,
            outcome.Sent + outcome.Collected,
            record.Failed + record.NotRun,
            record.Skipped,
            sent.Sum(r => (long)(r.Tokens?.Prompt ?? 0)),
            sent.Sum(r => (long)(r.Tokens?.Completion ?? 0)),
            outcome.Elapsed,
            [.. record.Results.Values.Where(r => r.Status == ItemResult.Failed).OrderBy(r => r.File, StringComparer.Ordinal)])
        {
            Split = [.. record.Results.Values.Where(r => r.Status == ItemResult.Success && r.Parts is not null).OrderBy(r => r.File, StringComparer.Ordinal)],
            Checked = record.Results.Values.Count(r => r.Status == ItemResult.Success && r.Checks is not null),
            ChecksPassed = record.Results.Values.Count(r => r.Status == ItemResult.Success && r.Checks is { Pass: true }),
            Judged = outcome.Judged,
            JudgeTokens = outcome.JudgeTokens,
            ChecksFailed = [.. record.Results.Values.Where(r => r.Status == ItemResult.Success && r.Checks is { Pass: false })
                .OrderBy(r => r.Checks!.Score ?? 2).ThenBy(r => r.File, StringComparer.Ordinal)],
        };
    }
}

using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Execution;

/// <summary>One batch's run in numbers, for summaries: items, where answers came from, tokens, time, failures.</summary>
public sealed record BatchReport(string Name, int Items, int FromArtifact, int FromCache, int Sent, int Failed, int Skipped, long TokensIn, long TokensOut, TimeSpan Time, IReadOnlyList<ItemResult> Failures)
{
    /// <summary>The long documents answered in parts (<c>long_documents: split</c>), ordered by path.</summary>
    public IReadOnlyList<ItemResult> Split { get; init; } = [];

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
        };
    }
}

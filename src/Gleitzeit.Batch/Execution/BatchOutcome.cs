using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Execution;

/// <summary>How a run of a batch ended.</summary>
public sealed record BatchOutcome
{
    /// <summary>The batch record, with every item result so far.</summary>
    public required BatchRecord Record { get; init; }

    /// <summary>Wall-clock time of this run.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>
    /// Items the model server answered in this run, with a result or an error for the item; not the ones a stopped batch
    /// (server unreachable, model missing), a timeout or Ctrl+C left unanswered.
    /// </summary>
    public int Sent { get; init; }

    /// <summary>Answers this run collected from the Batch API for its items (<c>execution: bulk</c>): paid for, at half the price.</summary>
    public int Collected { get; init; }

    /// <summary>Requests this run submitted to the Batch API (<c>execution: bulk</c>), to be collected by a later one.</summary>
    public int Submitted { get; init; }

    /// <summary>Judge calls this run made (answers graded by the judge model), counted apart from <see cref="Sent"/>.</summary>
    public int Judged { get; init; }

    /// <summary>Prompt and answer tokens of this run's judge calls.</summary>
    public long JudgeTokens { get; init; }

    /// <summary>Whether every item of the batch now has a successful result.</summary>
    public bool AllSucceeded => Record.Status == BatchStatus.Completed && Record.Successful == Record.TotalFiles;
}

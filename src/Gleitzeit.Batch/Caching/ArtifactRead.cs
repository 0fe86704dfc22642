namespace Gleitzeit.Batch.Caching;

/// <summary>
/// What reading a committed JSON artifact gave: its answers (when any can be served) and what was wrong with it, so the
/// front end can report it with its own code and the artifact's line.
/// </summary>
/// <param name="Answers">The answers to serve; null when the file is missing or unreadable.</param>
/// <param name="Problem">What was wrong with it, if anything.</param>
/// <param name="ConflictLine">The 1-based line of the first merge-conflict marker, when there is one.</param>
/// <param name="Message">
/// For <see cref="ArtifactProblem.Unreadable"/> why (for <see cref="ArtifactProblem.Conflicted"/> what was done), as a
/// clause to follow the path; never any of the file's contents. Null otherwise.
/// </param>
public sealed record ArtifactRead(ArtifactAnswers? Answers, ArtifactProblem Problem, int? ConflictLine = null, string? Message = null)
{
    /// <summary>No file at the path.</summary>
    public static ArtifactRead Missing { get; } = new(null, ArtifactProblem.Missing);

    /// <summary>A file that cannot be used, and why.</summary>
    public static ArtifactRead Unreadable(string message, int? conflictLine = null) => new(null, ArtifactProblem.Unreadable, conflictLine, message);
}

namespace Gleitzeit.Batch.Caching;

/// <summary>What reading a committed JSON artifact ran into.</summary>
public enum ArtifactProblem
{
    /// <summary>Read as it stands.</summary>
    None,

    /// <summary>There is no file at the path (a first build): nothing to serve, nothing to report.</summary>
    Missing,

    /// <summary>It holds git merge-conflict markers; both sides parsed, and the answers of both are served.</summary>
    Conflicted,

    /// <summary>It cannot be used: not readable, not a Gleitzeit JSON artifact, or a conflict that cannot be resolved.</summary>
    Unreadable,
}

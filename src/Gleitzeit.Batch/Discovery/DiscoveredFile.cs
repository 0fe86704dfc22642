namespace Gleitzeit.Batch.Discovery;

/// <summary>One file a batch covers, with why it will not be sent when that is already known.</summary>
/// <param name="FullPath">Absolute path on disk.</param>
/// <param name="RelativePath">Path relative to the batch root, <c>/</c>-separated: the item's name everywhere.</param>
/// <param name="Problem">Null for a file to process; otherwise the reason it is skipped or failed.</param>
public sealed record DiscoveredFile(string FullPath, string RelativePath, FileProblem? Problem = null);

/// <summary>Why a discovered file is not sent.</summary>
/// <param name="Kind">Whether the item counts as skipped or failed.</param>
/// <param name="Message">What is wrong and what to do.</param>
public sealed record FileProblem(FileProblemKind Kind, string Message)
{
    /// <summary>Whether the item is skipped (reported, not a failure) rather than failed.</summary>
    public bool IsSkip => Kind is FileProblemKind.TooLarge or FileProblemKind.NotRegularFile;

    /// <summary>The item's GZ code.</summary>
    public string Code => Kind switch
    {
        FileProblemKind.TooLarge => DiagnosticCodes.FileTooLarge,
        FileProblemKind.NotRegularFile => DiagnosticCodes.InvalidFileFormat,
        _ => DiagnosticCodes.FileNotFound,
    };
}

/// <summary>The kinds of problem discovery can know before reading a file.</summary>
public enum FileProblemKind
{
    /// <summary>The file does not exist (or its name cannot be opened): the item fails.</summary>
    NotFound,

    /// <summary>The file is over the size limit: the item is skipped and reported, never sent.</summary>
    TooLarge,

    /// <summary>A FIFO, socket or device: never opened (it could block forever), the item is skipped and reported.</summary>
    NotRegularFile,
}

using System.Text.Json.Nodes;
using Gleitzeit.Batch.Caching;
using Gleitzeit.Batch.Planning;

namespace Gleitzeit.Batch.Execution;

/// <summary>An item as keying left it: its cache key and the options it is sent with, or why it is not sent.</summary>
internal sealed record ItemWork
{
    public required BatchItem Item { get; init; }

    public required PromptTemplate Template { get; init; }

    public string Model => Template.Model;

    /// <summary>The template's options plus the context window this item needs.</summary>
    public JsonObject? Options { get; init; }

    /// <summary>The key under the digest keying used; null when the item could not be read.</summary>
    public CacheKey? Key { get; init; }

    /// <summary>Estimated prompt tokens, for the context window.</summary>
    public int EstimatedTokens { get; init; }

    /// <summary>Whether an entry file exists under <see cref="Key"/> (not yet read).</summary>
    public bool LooksCached { get; init; }

    /// <summary>Why the item is not sent (unreadable, invalid, empty, too long for the model); null when it is.</summary>
    public string? Error { get; init; }

    public string? ErrorCode { get; init; }

    /// <summary>Whether <see cref="Error"/> skips the item (reported, not a failure) rather than failing it.</summary>
    public bool IsSkip { get; init; }

    public bool CanBeSent => Error is null;

    /// <summary>For a document: the extractor its key names.</summary>
    public string? Extractor { get; init; }

    /// <summary>
    /// A miss's input kept from keying to sending, so it is read and extracted once: a document's extracted text, or a
    /// text file's (within <see cref="KeptInputs"/>' bound).
    /// </summary>
    public Inputs.LoadedInput? KeptInput { get; init; }

    /// <summary>A document too long for the window, sent in parts (<c>long_documents: split</c>); its key is the split key.</summary>
    public bool Split { get; init; }

    /// <summary>For a split document: the window each part (prompt and answer) must fit.</summary>
    public int WindowLimit { get; init; }
}

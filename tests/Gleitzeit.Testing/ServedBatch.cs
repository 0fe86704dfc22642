using System.Text.Json.Nodes;

namespace Gleitzeit.Testing;

/// <summary>One batch the OpenAI test server holds: what was asked, its input as validation read it, its timeline, and what is answered so far.</summary>
internal sealed class ServedBatch(long order, string id, string inputFileId, string endpoint, JsonObject? metadata, BatchInput input, IReadOnlyList<BatchError> errors, BatchTimeline timeline)
{
    /// <summary>Held while the batch is brought up to the clock or cancelled.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Creation order: the newest batch has the highest.</summary>
    public long Order { get; } = order;

    /// <summary>The batch's id (<c>batch_…</c>).</summary>
    public string Id { get; } = id;

    /// <summary>The <c>input_file_id</c> it was created with.</summary>
    public string InputFileId { get; } = inputFileId;

    /// <summary>The <c>endpoint</c> it was created with, which every line's <c>url</c> must equal.</summary>
    public string Endpoint { get; } = endpoint;

    /// <summary>The <c>metadata</c> it was created with, if any.</summary>
    public JsonObject? Metadata { get; } = metadata;

    /// <summary>The requests (empty when validation fails).</summary>
    public IReadOnlyList<BatchLine> Lines { get; } = input.Lines;

    /// <summary>Why validation fails: the input's errors, or the service's; empty when it passes.</summary>
    public IReadOnlyList<BatchError> Errors { get; } = errors;

    /// <summary>The <c>model</c> of the first request, as OpenAI reports a batch's model; null when there is none.</summary>
    public string? Model { get; } = input.Lines.Count > 0 && input.Lines[0].Body["model"] is JsonValue m && m.TryGetValue<string>(out var name) ? name : null;

    /// <summary>The timeline; a cancellation sets its <see cref="BatchTimeline.CancelAt"/>.</summary>
    public BatchTimeline Timeline { get; set; } = timeline;

    /// <summary>The answers given so far, in request order.</summary>
    public List<BatchAnswer> Answers { get; } = [];

    /// <summary>Whether the output and error files are written (once the batch has ended).</summary>
    public bool Finished { get; set; }

    /// <summary>The output file (2xx answers), once written; null when it has no lines.</summary>
    public string? OutputFileId { get; set; }

    /// <summary>The error file (other answers and unanswered requests), once written; null when it has no lines.</summary>
    public string? ErrorFileId { get; set; }
}

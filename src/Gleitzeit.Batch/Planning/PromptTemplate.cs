using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Gleitzeit.Batch.Inputs;
using Gleitzeit.Batch.Serialization;

namespace Gleitzeit.Batch.Planning;

/// <summary>How one item is asked: messages, model and everything else that shapes the answer.</summary>
public sealed class PromptTemplate
{
    [JsonPropertyName("messages")]
    public required IReadOnlyList<PromptMessage> Messages { get; init; }

    [JsonPropertyName("model")]
    public required string Model { get; init; }

    [JsonPropertyName("vision")]
    public bool Vision { get; init; }

    /// <summary>The item's own <c>LongDocuments</c> (true: split, false: fail); null follows <c>long_documents</c>.</summary>
    [JsonPropertyName("split_long_documents")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? SplitLongDocuments { get; init; }

    /// <summary>Generation options by their Ollama wire names (<c>temperature</c>, <c>seed</c>, <c>num_predict</c>…).</summary>
    [JsonPropertyName("options")]
    public JsonObject? Options { get; init; }

    /// <summary><c>"json"</c>, a JSON schema object, or null for free text.</summary>
    [JsonPropertyName("format")]
    public JsonNode? Format { get; init; }

    /// <summary>The checks and judge its answers get; null when none. Not part of any answer's key.</summary>
    [JsonPropertyName("review")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Review.ReviewSpec? Review { get; init; }

    /// <summary>This template with other checks and judge (a resume given new ones).</summary>
    public PromptTemplate WithReview(Review.ReviewSpec? review) => new()
    {
        Messages = Messages,
        Model = Model,
        Vision = Vision,
        SplitLongDocuments = SplitLongDocuments,
        Options = Options,
        Format = Format,
        Review = review,
    };

    /// <summary>The last user message: what exports and titles call the prompt.</summary>
    [JsonIgnore]
    public string Prompt => Messages.LastOrDefault(m => m.Role == "user")?.Content ?? string.Empty;

    /// <summary>Hash of the messages, recorded with cache keys to tell "prompt changed" from "content changed"; computed once per template.</summary>
    [JsonIgnore]
    internal string MessagesHash => _messagesHash ??= Hashes.Sha256Hex(string.Concat(Messages.Select(m => $"{m.Role}\0{m.Content}\0")));

    /// <summary>What makes two templates the same: messages, model, vision, options and format.</summary>
    [JsonIgnore]
    internal string Identity => _identity ??= string.Join(
        "\0",
        MessagesHash,
        Model,
        Vision ? "vision" : "text",
        SplitLongDocuments switch { true => "split", false => "fail", _ => string.Empty },
        Options is null ? string.Empty : CanonicalJson.Sha256Hex(Options),
        Format is null ? string.Empty : CanonicalJson.Sha256Hex(Format),
        Review?.Identity ?? string.Empty);

    private string? _messagesHash;
    private string? _identity;
}

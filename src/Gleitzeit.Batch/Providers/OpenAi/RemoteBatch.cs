using System.Text.Json.Nodes;

namespace Gleitzeit.Batch.Providers.OpenAi;

/// <summary>A batch as the Batch API reports it.</summary>
internal sealed record RemoteBatch
{
    /// <summary>The metadata key that ties a remote batch to its ledger entry, so that a run killed before recording it finds it.</summary>
    public const string LedgerKey = "gleitzeit_ledger";

    public required string Id { get; init; }

    /// <summary><c>validating</c>, <c>in_progress</c>, <c>finalizing</c>, <c>completed</c>, <c>failed</c>, <c>expired</c>, <c>cancelling</c> or <c>cancelled</c>.</summary>
    public required string Status { get; init; }

    public string? InputFileId { get; init; }

    public string? OutputFileId { get; init; }

    public string? ErrorFileId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public int Total { get; init; }

    public int Completed { get; init; }

    public int Failed { get; init; }

    public string? LedgerId { get; init; }

    /// <summary>Why validation failed (a <c>failed</c> batch), as the service says it.</summary>
    public string? Errors { get; init; }

    /// <summary>Whether the batch will change no more: its output and error files, if any, are final.</summary>
    public bool IsTerminal => Status is "completed" or "failed" or "expired" or "cancelled";

    public static RemoteBatch From(JsonObject node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var counts = node["request_counts"] as JsonObject;
        var errors = (node["errors"] as JsonObject)?["data"] as JsonArray;
        return new RemoteBatch
        {
            Id = OpenAiBatchApi.Text(node, "id") ?? throw ChatProviderException.ServerError($"a batch without an id ({ErrorText.Describe(node.ToJsonString())})"),
            Status = OpenAiBatchApi.Text(node, "status") ?? "unknown",
            InputFileId = OpenAiBatchApi.Text(node, "input_file_id"),
            OutputFileId = OpenAiBatchApi.Text(node, "output_file_id"),
            ErrorFileId = OpenAiBatchApi.Text(node, "error_file_id"),
            CreatedAt = node["created_at"] is JsonValue created && created.TryGetValue<long>(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : DateTimeOffset.MinValue,
            Total = Count(counts, "total"),
            Completed = Count(counts, "completed"),
            Failed = Count(counts, "failed"),
            LedgerId = node["metadata"] is JsonObject metadata ? OpenAiBatchApi.Text(metadata, LedgerKey) : null,
            Errors = errors is null || errors.Count == 0
                ? null
                : string.Join("; ", errors.OfType<JsonObject>().Select(e => $"{OpenAiBatchApi.Text(e, "code")}: {OpenAiBatchApi.Text(e, "message")}")),
        };
    }

    private static int Count(JsonObject? counts, string name) => counts?[name] is JsonValue value && value.TryGetValue<int>(out var count) ? count : 0;
}

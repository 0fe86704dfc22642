using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gleitzeit.Batch.Bulk;

/// <summary>What a remote batch says of one request: its answer's body, or why there is none.</summary>
/// <param name="CustomId">The cache key the request was sent under.</param>
/// <param name="Body">The chat.completion body of a 200 answer; null for a failure.</param>
/// <param name="Error">The service's reason, for a failure.</param>
/// <param name="Transient">Whether the same request may well be answered when sent again (expired, 429, 5xx, timeout).</param>
internal sealed record BulkLine(string CustomId, JsonObject? Body, string? Error, bool Transient)
{
    /// <summary>The diagnostic code of a failure read from an answer (cut, filtered, empty); null for the Batch API's own.</summary>
    public string? Code { get; init; }

    /// <summary>Reads one line of an output or error file; null for a line that is not one (reported by the caller).</summary>
    public static BulkLine? Parse(string line)
    {
        JsonObject? node;
        try
        {
            node = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }

        if (node?["custom_id"] is not JsonValue id || !id.TryGetValue<string>(out var customId))
        {
            return null;
        }

        var response = node["response"] as JsonObject;
        var status = response?["status_code"] is JsonValue s && s.TryGetValue<int>(out var code) ? code : 0;
        var body = response?["body"] as JsonObject;
        if (status == 200 && body is not null)
        {
            return new BulkLine(customId, body, null, false);
        }

        if (node["error"] is JsonObject error)
        {
            var errorCode = Text(error, "code");
            return new BulkLine(customId, null, $"{errorCode}: {Text(error, "message")}", errorCode is "batch_expired" or "request_timeout" or "server_error" or "rate_limit_exceeded");
        }

        var message = body?["error"] is JsonObject bodyError ? Text(bodyError, "message") : null;
        return new BulkLine(customId, null, $"status {status}: {message ?? "no reason given"}", status is 408 or 429 or >= 500);
    }

    private static string? Text(JsonObject node, string name) => node[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

using System.Text.Json.Nodes;

namespace Gleitzeit.Testing;

/// <summary>
/// One request's line in a batch's output or error file: an HTTP answer (<see cref="StatusCode"/>, <see cref="Body"/>)
/// or, for a request never answered, a top-level error (<see cref="ErrorCode"/>, <see cref="ErrorMessage"/>).
/// </summary>
internal sealed record BatchAnswer(string Id, string CustomId, int? StatusCode, string? RequestId, JsonObject? Body, string? ErrorCode, string? ErrorMessage)
{
    /// <summary>Whether the line belongs in the output file (a 2xx answer) rather than the error file.</summary>
    public bool Succeeded => StatusCode is >= 200 and < 300;

    /// <summary>An answer with an HTTP status: a completion, or an error body.</summary>
    public static BatchAnswer Http(string id, string customId, int statusCode, JsonObject body) =>
        new(id, customId, statusCode, Guid.NewGuid().ToString("N"), body, null, null);

    /// <summary>A request that got no HTTP answer: <c>batch_expired</c>, <c>batch_cancelled</c>, <c>request_timeout</c>.</summary>
    public static BatchAnswer Unanswered(string id, string customId, string code, string message) => new(id, customId, null, null, null, code, message);

    /// <summary>
    /// <c>{"id","custom_id","response":{"status_code","request_id","body"},"error":null}</c>, or
    /// <c>{"id","custom_id","response":null,"error":{"code","message"}}</c>, on one line.
    /// </summary>
    public string ToJsonLine() => new JsonObject
    {
        ["id"] = Id,
        ["custom_id"] = CustomId,
        ["response"] = StatusCode is { } status
            ? new JsonObject { ["status_code"] = status, ["request_id"] = RequestId, ["body"] = Body!.DeepClone() }
            : null,
        ["error"] = ErrorCode is null ? null : new JsonObject { ["code"] = ErrorCode, ["message"] = ErrorMessage },
    }.ToJsonString();
}

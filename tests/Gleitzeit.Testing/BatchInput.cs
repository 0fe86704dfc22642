using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gleitzeit.Testing;

/// <summary>
/// A batch input file read as OpenAI's validation reads it: every non-blank line a JSON object with a unique
/// <c>custom_id</c>, <c>method: POST</c>, the batch's <c>url</c> and a <c>body</c> with <c>model</c> and <c>messages</c>
/// and no <c>stream</c>. Either the requests, or the errors (with OpenAI's codes and 1-based lines), never both.
/// </summary>
internal sealed class BatchInput
{
    private BatchInput(IReadOnlyList<BatchLine> lines, IReadOnlyList<BatchError> errors)
    {
        Lines = lines;
        Errors = errors;
    }

    /// <summary>The requests, in file order; empty when the file fails validation.</summary>
    public IReadOnlyList<BatchLine> Lines { get; }

    /// <summary>Why the file fails validation; empty when it passes.</summary>
    public IReadOnlyList<BatchError> Errors { get; }

    /// <summary>Reads <paramref name="content"/> for a batch on <paramref name="endpoint"/>; <paramref name="modelKnown"/>, when given, refuses other models as OpenAI's Batch API does.</summary>
    public static BatchInput Read(byte[] content, string endpoint, int maxRequests, Func<string, bool>? modelKnown)
    {
        var lines = new List<BatchLine>();
        var errors = new List<BatchError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var texts = Encoding.UTF8.GetString(content).Split('\n');
        var count = 0;
        for (var i = 0; i < texts.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(texts[i]))
            {
                continue;
            }

            count++;
            var (line, error) = ReadLine(texts[i], i + 1, endpoint, modelKnown);
            if (line is not null && !seen.Add(line.CustomId))
            {
                error = new BatchError(
                    "duplicate_custom_id",
                    "The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each individual request in a batch.",
                    "custom_id",
                    line.Number);
            }

            if (error is { } refused)
            {
                errors.Add(refused);
            }
            else
            {
                lines.Add(line!);
            }
        }

        if (count == 0)
        {
            return new BatchInput([], [new BatchError("empty_file", "The batch input file is empty. Please ensure that the file contains at least one request.", null, null)]);
        }

        if (count > maxRequests)
        {
            var message = string.Create(CultureInfo.InvariantCulture, $"The batch input file has {count} requests, more than the maximum of {maxRequests} a batch may hold.");
            return new BatchInput([], [new BatchError("too_many_tasks", message, null, null)]);
        }

        return errors.Count == 0 ? new BatchInput(lines, []) : new BatchInput([], errors);
    }

    private static (BatchLine? Line, BatchError? Error) ReadLine(string text, int number, string endpoint, Func<string, bool>? modelKnown)
    {
        JsonObject? request;
        try
        {
            request = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request is null)
        {
            return (null, new BatchError("invalid_json_line", "This line is not parseable as valid JSON.", null, number));
        }

        foreach (var field in (string[])["custom_id", "method", "url", "body"])
        {
            if (request[field] is null)
            {
                return (null, new BatchError("missing_required_parameter", $"Missing required parameter: '{field}'.", field, number));
            }
        }

        if (Text(request["custom_id"]) is not { } customId)
        {
            return (null, new BatchError("invalid_type", "Invalid type for 'custom_id': expected a string.", "custom_id", number));
        }

        if (Text(request["method"]) is var method && method != "POST")
        {
            return (null, new BatchError("invalid_value", $"Invalid value: '{method}'. Supported values are: 'POST'.", "method", number));
        }

        if (Text(request["url"]) != endpoint)
        {
            return (null, new BatchError("invalid_url", "The URL provided for this request does not match the batch endpoint.", "url", number));
        }

        if (request["body"] is not JsonObject body)
        {
            return (null, new BatchError("invalid_type", "Invalid type for 'body': expected an object.", "body", number));
        }

        if (Text(body["model"]) is not { Length: > 0 } model)
        {
            return (null, new BatchError("invalid_request", "Model parameter is required.", "body.model", number));
        }

        if (body["messages"] is not JsonArray)
        {
            return (null, new BatchError("invalid_request", "Messages parameter is required.", "body.messages", number));
        }

        if (body["stream"] is JsonValue stream && stream.TryGetValue<bool>(out var streamed) && streamed)
        {
            return (null, new BatchError("streaming_unsupported", "Chat Completions: Streaming is not supported in the Batch API.", "body.stream", number));
        }

        return modelKnown is not null && !modelKnown(model)
            ? (null, new BatchError("model_not_found", $"The provided model '{model}' is not supported by the Batch API.", "body.model", number))
            : (new BatchLine(number, customId, body), null);
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

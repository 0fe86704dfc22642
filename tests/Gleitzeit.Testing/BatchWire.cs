using System.Text.Json.Nodes;

namespace Gleitzeit.Testing;

/// <summary>The Files and Batch API objects as the test server writes them: file objects, deletions, batch objects, lists.</summary>
internal static class BatchWire
{
    /// <summary>A file object: <c>{"id","object":"file","bytes","created_at","filename","purpose","status":"processed","expires_at":null,"status_details":null}</c>.</summary>
    public static JsonObject File(StoredFile file) => new()
    {
        ["id"] = file.Id,
        ["object"] = "file",
        ["bytes"] = file.Content.LongLength,
        ["created_at"] = file.CreatedAt.ToUnixTimeSeconds(),
        ["filename"] = file.FileName,
        ["purpose"] = file.Purpose,
        ["status"] = "processed",
        ["expires_at"] = null,
        ["status_details"] = null,
    };

    /// <summary><c>{"id","object":"file","deleted":true}</c>.</summary>
    public static JsonObject Deleted(string id) => new() { ["id"] = id, ["object"] = "file", ["deleted"] = true };

    /// <summary>A batch object at <paramref name="now"/>, with every field OpenAI's has; timestamps not reached yet are null.</summary>
    public static JsonObject Batch(ServedBatch batch, DateTimeOffset now)
    {
        var timeline = batch.Timeline;
        var status = timeline.Status(now);
        var succeeded = batch.Answers.Where(a => a.Succeeded).ToList();
        var left = batch.Finished && timeline.LeavesRequests ? batch.Lines.Count - batch.Answers.Count : 0;
        return new JsonObject
        {
            ["id"] = batch.Id,
            ["object"] = "batch",
            ["endpoint"] = batch.Endpoint,
            ["model"] = batch.Model,
            ["errors"] = status == "failed"
                ? new JsonObject { ["object"] = "list", ["data"] = new JsonArray([.. batch.Errors.Select(e => e.ToJson())]) }
                : null,
            ["input_file_id"] = batch.InputFileId,
            ["completion_window"] = "24h",
            ["status"] = status,
            ["output_file_id"] = batch.OutputFileId,
            ["error_file_id"] = batch.ErrorFileId,
            ["created_at"] = timeline.CreatedAt.ToUnixTimeSeconds(),
            ["in_progress_at"] = Unix(timeline.InProgressAt(now)),
            ["expires_at"] = timeline.ExpiresAt.ToUnixTimeSeconds(),
            ["finalizing_at"] = Unix(timeline.FinalizingAt(now)),
            ["completed_at"] = Unix(timeline.CompletedAt(now)),
            ["failed_at"] = Unix(timeline.FailedAt(now)),
            ["expired_at"] = Unix(timeline.ExpiredAt(now)),
            ["cancelling_at"] = Unix(timeline.CancellingAt(now)),
            ["cancelled_at"] = Unix(timeline.CancelledAt(now)),
            ["request_counts"] = new JsonObject
            {
                ["total"] = timeline.Valid && now >= timeline.ValidatedAt ? batch.Lines.Count : 0,
                ["completed"] = succeeded.Count,
                ["failed"] = batch.Answers.Count - succeeded.Count + left,
            },
            ["usage"] = Usage(succeeded),
            ["metadata"] = batch.Metadata?.DeepClone(),
        };
    }

    /// <summary>A list page: <c>{"object":"list","data","first_id","last_id","has_more"}</c>.</summary>
    public static JsonObject List(IReadOnlyList<JsonObject> data, bool hasMore) => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray([.. data]),
        ["first_id"] = data.Count > 0 ? data[0]["id"]!.DeepClone() : null,
        ["last_id"] = data.Count > 0 ? data[^1]["id"]!.DeepClone() : null,
        ["has_more"] = hasMore,
    };

    /// <summary>The batch's token use, summed over its answered completions, in the Batch API's names.</summary>
    private static JsonObject Usage(IEnumerable<BatchAnswer> answers)
    {
        var (input, output) = (0L, 0L);
        foreach (var usage in answers.Select(a => a.Body?["usage"]))
        {
            input += usage?["prompt_tokens"]?.GetValue<int>() ?? 0;
            output += usage?["completion_tokens"]?.GetValue<int>() ?? 0;
        }

        return new JsonObject
        {
            ["input_tokens"] = input,
            ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
            ["output_tokens"] = output,
            ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
            ["total_tokens"] = input + output,
        };
    }

    private static long? Unix(DateTimeOffset? at) => at?.ToUnixTimeSeconds();
}

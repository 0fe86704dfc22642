using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Gleitzeit.Testing;

/// <summary>
/// OpenAI's Batch API: <c>POST …/batches</c>, <c>GET …/batches/{id}</c>, <c>POST …/batches/{id}/cancel</c>,
/// <c>GET …/batches?limit=&amp;after=</c>. Time is the batch clock's (<see cref="BatchTimeScale"/>,
/// <see cref="AdvanceBatchClock"/>); a batch's status is worked out whenever it is asked for, so nothing runs in the background.
/// </summary>
public sealed partial class OpenAiTestServer
{
    private static readonly string[] BatchEndpoints = ["/v1/chat/completions", "/chat/completions"];
    private readonly BatchClock _batchClock = new(600);
    private readonly ConcurrentDictionary<string, ServedBatch> _batches = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<CreatedBatch> _createdBatches = new();
    private readonly BatchFates _fates = new();
    private long _batchOrder;

    /// <summary>Simulated batch time per real time (default 600: a real second is ten minutes); 0 stops the clock but for <see cref="AdvanceBatchClock"/>.</summary>
    public double BatchTimeScale
    {
        get => _batchClock.Scale;
        set => _batchClock.Scale = value;
    }

    /// <summary>The batch clock's time now: what <c>created_at</c> and a batch's other timestamps are measured on.</summary>
    public DateTimeOffset BatchNow => _batchClock.Now;

    /// <summary>How long (simulated) a new batch is <c>validating</c>. Default: 10 s.</summary>
    public TimeSpan BatchValidatingTime
    {
        get;
        set { ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero); field = value; }
    } = TimeSpan.FromSeconds(10);

    /// <summary>How long (simulated) each request of an <c>in_progress</c> batch takes, one after another. Default: 1 s.</summary>
    public TimeSpan BatchRequestTime
    {
        get;
        set { ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero); field = value; }
    } = TimeSpan.FromSeconds(1);

    /// <summary>How long (simulated) a batch is <c>finalizing</c>, or <c>cancelling</c>. Default: 5 s.</summary>
    public TimeSpan BatchFinalizingTime
    {
        get;
        set { ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero); field = value; }
    } = TimeSpan.FromSeconds(5);

    /// <summary>The most requests a batch input file may hold; more fail validation with <c>too_many_tasks</c>. Default: 50,000.</summary>
    public int MaxBatchRequests
    {
        get;
        set { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 50_000;

    /// <summary>
    /// Whether a line naming a model <c>…/models</c> does not list fails validation (<c>model_not_found</c>, as OpenAI's
    /// Batch API does). False (default): the line is answered as a live chat is, with a 404 in the error file.
    /// </summary>
    public bool BatchRejectsUnknownModels { get; set; }

    /// <summary>
    /// When set, the fault a batch request meets, by its <c>custom_id</c> (null: none). Faults a live chat answers with
    /// an HTTP error give that status and body in the error file; <see cref="ServerFault.ErrorMidStream"/> a 500;
    /// <see cref="ServerFault.Hang"/>, <see cref="ServerFault.StallMidStream"/> and <see cref="ServerFault.CutMidStream"/>
    /// a <c>request_timeout</c> error without a response; <see cref="ServerFault.NoFinishReason"/> a null
    /// <c>finish_reason</c>. The rest (HTML pages, echoed credentials, an error after the finish) change nothing.
    /// </summary>
    public Func<string, ServerFault?>? BatchLineFaults { get; set; }

    /// <summary>
    /// Called at each step of a submission, before the server goes on (a test kills the client there): an upload
    /// arrived (not yet read), an upload stored (not yet answered), a create arrived (not yet done), a batch created
    /// (not yet answered).
    /// </summary>
    public Func<BatchApiStep, Task>? BatchHook { get; set; }

    private Task Hook(BatchApiStep step) => BatchHook?.Invoke(step) ?? Task.CompletedTask;

    /// <summary>
    /// Kills <paramref name="client"/> (its whole tree, and whatever <paramref name="alsoKill"/> ends) the moment a
    /// submission reaches <paramref name="step"/>, waits up to <paramref name="limit"/> for it to end, and says whether
    /// it was killed there rather than ending first.
    /// </summary>
    public async Task<bool> KillAtAsync(System.Diagnostics.Process client, BatchApiStep step, TimeSpan limit, Action? alsoKill = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var killed = 0;
        BatchHook = async reached =>
        {
            if (reached == step && Interlocked.Exchange(ref killed, 1) == 0)
            {
                client.Kill(entireProcessTree: true);
                alsoKill?.Invoke();
                await client.WaitForExitAsync();

                // Long enough for the server to see the connection closed.
                await Task.Delay(300);
            }
        };
        try
        {
            using var timeout = new CancellationTokenSource(limit);
            await client.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            BatchHook = null;
        }

        return killed == 1;
    }

    /// <summary>Every batch created (refused requests excluded), in creation order.</summary>
    public IReadOnlyList<CreatedBatch> BatchesCreated => [.. _createdBatches];

    /// <summary>Moves the batch clock ahead by <paramref name="by"/>.</summary>
    public void AdvanceBatchClock(TimeSpan by) => _batchClock.Advance(by);

    /// <summary>
    /// Gives <paramref name="fate"/> to the next <paramref name="times"/> batches created: validation fails, or the batch
    /// expires or is cancelled by the service once <paramref name="afterRequests"/> of its requests are answered.
    /// </summary>
    public void InjectBatchFate(BatchFate fate, int times = 1, int afterRequests = 0) => _fates.Add(fate, times, afterRequests);

    /// <summary>
    /// When set, a reply that stands in for the Files and Batch APIs' own, by method and path (null: the real one): a
    /// status, a body and its content type, as a broken gateway in front of the service would answer.
    /// </summary>
    public Func<string, string, (int Status, string Body, string ContentType)?>? BatchApiReplies { get; set; }

    private Task FilesAndBatches(HttpContext context, LoggedRequest logged, RouteKind route, string? id, JsonObject? body, bool unreadable)
    {
        var method = context.Request.Method;
        if (BatchApiReplies?.Invoke(method, context.Request.Path.Value ?? string.Empty) is { } stand)
        {
            logged.StatusCode = stand.Status;
            context.Response.StatusCode = stand.Status;
            context.Response.ContentType = stand.ContentType;
            return context.Response.WriteAsync(stand.Body);
        }

        return route switch
        {
            RouteKind.Files when HttpMethods.IsGet(method) => ListFiles(context, logged),
            RouteKind.Files => Upload(context, logged),
            RouteKind.File when HttpMethods.IsDelete(method) => DeleteFile(context, logged, id!),
            RouteKind.File => GetFile(context, logged, id!),
            RouteKind.FileContent => GetFileContent(context, logged, id!),
            RouteKind.Batches when HttpMethods.IsPost(method) => CreateBatch(context, logged, body, unreadable),
            RouteKind.Batches => ListBatches(context, logged),
            RouteKind.Batch => GetBatch(context, logged, id!),
            _ => CancelBatch(context, logged, id!),
        };
    }

    private async Task CreateBatch(HttpContext context, LoggedRequest logged, JsonObject? body, bool unreadable)
    {
        if (body is null)
        {
            await Refuse(context, logged, 400, unreadable ? Unparseable() : Missing("input_file_id"));
            return;
        }

        if (BatchRequestRefusal(body) is { } refused)
        {
            await Refuse(context, logged, 400, refused);
            return;
        }

        await Hook(BatchApiStep.CreateReceived);
        if (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away before the batch was made: as a service that had not started on it, none is.
            return;
        }

        var inputFileId = Text(body["input_file_id"])!;
        var endpoint = Text(body["endpoint"])!;
        if (!_files.TryGetValue(inputFileId, out var file))
        {
            await Refuse(context, logged, 400, OpenAiWire.Error(
                $"Cannot find file {inputFileId}, or project proj_gleitzeit does not have access to it.", "invalid_request_error", null, "file_id"));
            return;
        }

        if (file.Purpose != "batch")
        {
            await Refuse(context, logged, 400, OpenAiWire.Error(
                $"Invalid 'input_file_id': '{inputFileId}' has purpose '{file.Purpose}', but a batch's input file must have purpose 'batch'.", "invalid_request_error", "invalid_value", "input_file_id"));
            return;
        }

        var batch = NewBatch(inputFileId, endpoint, body["metadata"] as JsonObject, file);
        _batches[batch.Id] = batch;
        _createdBatches.Enqueue(new CreatedBatch(batch.Id, inputFileId, endpoint, batch.Metadata?.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal)));
        await Hook(BatchApiStep.BatchCreated);
        await Ok(context, logged, Observe(batch));
    }

    /// <summary>A batch created now from <paramref name="file"/>, its input read and its fate (if one is injected) decided.</summary>
    private ServedBatch NewBatch(string inputFileId, string endpoint, JsonObject? metadata, StoredFile file)
    {
        var now = _batchClock.Now;
        var input = BatchInput.Read(file.Content, endpoint, MaxBatchRequests, BatchRejectsUnknownModels ? _models.ContainsKey : null);
        var errors = input.Errors;
        var validated = now + BatchValidatingTime;
        var expires = now + TimeSpan.FromHours(24);
        DateTimeOffset? cancelAt = null;
        switch (_fates.Take())
        {
            case (BatchFate.FailValidation, _):
                var model = input.Lines.Count > 0 ? Text(input.Lines[0].Body["model"]) : "gpt-4o-mini";
                errors = [new BatchError(
                    "token_limit_exceeded",
                    $"Enqueued token limit reached for {model} in organization org-gleitzeit. Limit: 90,000 enqueued tokens. Please try again once some in_progress batches have been completed.",
                    null,
                    null)];
                break;
            case (BatchFate.Expire, var after):
                expires = validated + BatchRequestTime * after;
                break;
            case (BatchFate.Cancel, var after):
                cancelAt = validated + BatchRequestTime * after;
                break;
        }

        var valid = errors.Count == 0;
        var timeline = new BatchTimeline(now, validated, BatchRequestTime, BatchFinalizingTime, expires, valid, valid ? input.Lines.Count : 0, cancelAt);
        var id = NewId("batch_", 32);
        return new ServedBatch(Interlocked.Increment(ref _batchOrder), id, inputFileId, endpoint, (JsonObject?)metadata?.DeepClone(), input, errors, timeline);
    }

    /// <summary>Why OpenAI would refuse this <c>POST …/batches</c> body at once; null when it creates the batch.</summary>
    private static JsonObject? BatchRequestRefusal(JsonObject body)
    {
        foreach (var field in (string[])["input_file_id", "endpoint", "completion_window"])
        {
            if (body[field] is null)
            {
                return Missing(field);
            }

            if (Text(body[field]) is null)
            {
                return OpenAiWire.Error($"Invalid type for '{field}': expected a string.", "invalid_request_error", "invalid_type", field);
            }
        }

        var endpoint = Text(body["endpoint"])!;
        if (!BatchEndpoints.Contains(endpoint, StringComparer.Ordinal))
        {
            return OpenAiWire.Error(
                $"Invalid value: '{endpoint}'. Supported values are: '/v1/chat/completions' and '/chat/completions'.", "invalid_request_error", "invalid_value", "endpoint");
        }

        var window = Text(body["completion_window"]);
        if (window != "24h")
        {
            return OpenAiWire.Error($"Invalid value: '{window}'. Supported values are: '24h'.", "invalid_request_error", "invalid_value", "completion_window");
        }

        switch (body["metadata"])
        {
            case null:
                return null;
            case JsonObject metadata:
                var wrong = metadata.FirstOrDefault(p => Text(p.Value) is null);
                return wrong.Key is null
                    ? null
                    : OpenAiWire.Error(
                        $"Invalid type for 'metadata.{wrong.Key}': expected a string, but got {Kind(wrong.Value)} instead.", "invalid_request_error", "invalid_type", $"metadata.{wrong.Key}");
            case var other:
                return OpenAiWire.Error($"Invalid type for 'metadata': expected an object, but got {Kind(other)} instead.", "invalid_request_error", "invalid_type", "metadata");
        }
    }

    private Task GetBatch(HttpContext context, LoggedRequest logged, string id) => _batches.TryGetValue(id, out var batch)
        ? Ok(context, logged, Observe(batch))
        : Refuse(context, logged, 404, NoSuchBatch(id));

    private async Task CancelBatch(HttpContext context, LoggedRequest logged, string id)
    {
        if (!_batches.TryGetValue(id, out var batch))
        {
            await Refuse(context, logged, 404, NoSuchBatch(id));
            return;
        }

        string status;
        lock (batch.Gate)
        {
            var now = _batchClock.Now;
            status = batch.Timeline.Status(now);
            if (status is not ("completed" or "failed" or "expired" or "cancelling" or "cancelled"))
            {
                batch.Timeline = batch.Timeline with { CancelAt = now };
            }
        }

        if (status is "completed" or "failed" or "expired")
        {
            await Refuse(context, logged, 409, OpenAiWire.Error($"Cannot cancel a batch with status '{status}'.", "invalid_request_error", null));
            return;
        }

        await Ok(context, logged, Observe(batch));
    }

    private async Task ListBatches(HttpContext context, LoggedRequest logged)
    {
        var query = context.Request.Query;
        var limit = 20;
        if (query.ContainsKey("limit") && (!int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            await Refuse(context, logged, 400, OpenAiWire.Error(
                $"Invalid 'limit': '{query["limit"]}'. Expected an integer between 1 and 100.", "invalid_request_error", "invalid_value", "limit"));
            return;
        }

        IEnumerable<ServedBatch> newestFirst = _batches.Values.OrderByDescending(b => b.Order);
        if (query["after"].ToString() is { Length: > 0 } after)
        {
            var cursor = _batches.TryGetValue(after, out var seen) ? seen.Order : long.MinValue;
            newestFirst = newestFirst.Where(b => b.Order < cursor);
        }

        var page = newestFirst.Take(limit + 1).ToList();
        await Ok(context, logged, BatchWire.List([.. page.Take(limit).Select(Observe)], page.Count > limit));
    }

    private static JsonObject Missing(string field) =>
        OpenAiWire.Error($"Missing required parameter: '{field}'.", "invalid_request_error", "missing_required_parameter", field);

    private static JsonObject NoSuchBatch(string id) => OpenAiWire.Error($"No batch found with id '{id}'.", "invalid_request_error", null);

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "an array",
        JsonObject => "an object",
        _ => node.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.Number => "a number",
            System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "a boolean",
            _ => "a string",
        },
    };
}

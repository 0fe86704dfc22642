using System.Text;
using System.Text.Json.Nodes;

namespace Gleitzeit.Testing;

/// <summary>
/// A batch's requests, answered as live non-streamed chats are (<see cref="Check"/>, <see cref="Ending"/>, usage), each
/// when the batch clock says it is due; and, once the batch has ended, its output and error files.
/// </summary>
public sealed partial class OpenAiTestServer
{
    /// <summary>
    /// Brings <paramref name="batch"/> up to the batch clock (read under its lock, so no answer is ever given for a time a
    /// cancellation comes before): answers the requests due, writes the files once it has ended; its batch object.
    /// </summary>
    private JsonObject Observe(ServedBatch batch)
    {
        lock (batch.Gate)
        {
            var now = _batchClock.Now;
            var timeline = batch.Timeline;
            for (var due = timeline.AnsweredBy(now); batch.Answers.Count < due;)
            {
                batch.Answers.Add(AnswerLine(batch.Lines[batch.Answers.Count], timeline.AnswerTime(batch.Answers.Count)));
            }

            if (!batch.Finished && timeline.EndedBy(now))
            {
                WriteResults(batch, timeline);
                batch.Finished = true;
            }

            return BatchWire.Batch(batch, now);
        }
    }

    /// <summary>One request answered at <paramref name="at"/>: a completion, an error body with its status, or a timeout.</summary>
    private BatchAnswer AnswerLine(BatchLine line, DateTimeOffset at)
    {
        var id = NewId("batch_req_", 24);
        var body = line.Body;
        List<LoggedMessage> messages = body["messages"] is JsonArray array ? [.. array.OfType<JsonObject>().Select(Message)] : [];
        var model = body["model"] is JsonValue m && m.TryGetValue<string>(out var name) ? name : null;
        var request = new LoggedRequest(string.Empty, model, messages, null, null, body);
        if (Check(body, request) is { } refused)
        {
            return BatchAnswer.Http(id, line.CustomId, refused.Status, refused.Error);
        }

        var fault = BatchLineFaults?.Invoke(line.CustomId);
        if (fault is { } injected && FaultError(injected, model!) is { } failed)
        {
            return BatchAnswer.Http(id, line.CustomId, failed.Status, failed.Error);
        }

        switch (fault)
        {
            case ServerFault.ErrorMidStream:
                return BatchAnswer.Http(id, line.CustomId, 500, OpenAiWire.Error(MidStreamError, "server_error", null));
            case ServerFault.Hang or ServerFault.StallMidStream or ServerFault.CutMidStream:
                return BatchAnswer.Unanswered(id, line.CustomId, "request_timeout", "The request timed out before the model answered.");
        }

        var (content, finishReason) = Ending(request.UserContent, body);
        var usage = new OpenAiWire.Usage(PromptTokens(messages), CompletionTokens(content));
        var completion = OpenAiWire.Completion(
            $"chatcmpl-{Interlocked.Increment(ref _ids):x8}", at.ToUnixTimeSeconds(), model!, content, fault is ServerFault.NoFinishReason ? null : finishReason, usage);
        return BatchAnswer.Http(id, line.CustomId, 200, completion);
    }

    /// <summary>The output file (2xx answers) and the error file (other answers, then the requests left unanswered), each only when it has lines.</summary>
    private void WriteResults(ServedBatch batch, BatchTimeline timeline)
    {
        var output = new StringBuilder();
        var errors = new StringBuilder();
        foreach (var answer in batch.Answers)
        {
            (answer.Succeeded ? output : errors).Append(answer.ToJsonLine()).Append('\n');
        }

        if (timeline.LeavesRequests)
        {
            var (code, message) = timeline.Cancelled
                ? ("batch_cancelled", "This request could not be executed before the batch was cancelled.")
                : ("batch_expired", "This request could not be executed before the completion window expired.");
            foreach (var line in batch.Lines.Skip(batch.Answers.Count))
            {
                errors.Append(BatchAnswer.Unanswered(NewId("batch_req_", 24), line.CustomId, code, message).ToJsonLine()).Append('\n');
            }
        }

        batch.OutputFileId = output.Length > 0 ? Store($"batch_{batch.Id}_output.jsonl", "batch_output", Encoding.UTF8.GetBytes(output.ToString()), timeline.EndsAt).Id : null;
        batch.ErrorFileId = errors.Length > 0 ? Store($"batch_{batch.Id}_error.jsonl", "batch_output", Encoding.UTF8.GetBytes(errors.ToString()), timeline.EndsAt).Id : null;
    }
}

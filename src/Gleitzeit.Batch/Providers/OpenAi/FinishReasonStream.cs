using System.Buffers;
using System.Text;
using System.Text.Unicode;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gleitzeit.Batch.Providers.OpenAi;

/// <summary>
/// Reads a streamed chat completion's server-sent events on the way to the OpenAI library and reads each
/// <c>finish_reason</c> by meaning, not through the library's enum, which throws on a value it does not know (TGI's
/// <c>eos_token</c>, Mistral's <c>model_length</c>, vLLM's <c>abort</c>, DeepSeek's <c>insufficient_system_resource</c>,
/// <c>end_turn</c>, <c>""</c>) after the whole answer was paid for. A stop-, length- or filter-like value is passed on as
/// <c>stop</c>, <c>length</c> or <c>content_filter</c>; any other means the server gave up, and is passed on as none. The
/// raw value, and the text of an error event, are kept for the call's messages.
/// </summary>
internal sealed class FinishReasonStream(Stream inner, FinishReasonStream.Seen seen) : ReadOnlyWrapperStream(inner)
{
    private const int MaxLine = 16 * 1024 * 1024;
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal) { "stop", "length", "content_filter", "tool_calls", "function_call" };
    private static readonly HashSet<string> StopLike = new(StringComparer.OrdinalIgnoreCase) { "", "eos", "eos_token", "end_turn", "stop_sequence", "end", "complete", "completed", "finished" };
    private static readonly HashSet<string> LengthLike = new(StringComparer.OrdinalIgnoreCase) { "model_length", "max_tokens", "max_length", "max_output_tokens", "length_capped", "context_length" };
    private static readonly HashSet<string> FilterLike = new(StringComparer.OrdinalIgnoreCase) { "safety", "recitation", "blocked", "content_filtered", "prohibited_content", "refusal" };

    // Buffers are pooled: a call holds them while its server generates (seconds), so fresh ones would each outlive a
    // collection and be copied on the way to the old generation (at 256 calls in flight, a quarter of what each
    // collection copied). The shared pool keeps too few per size for that many calls.
    private static readonly ArrayPool<byte> Buffers = ArrayPool<byte>.Create(64 * 1024, 1024);

    // Lines pass through as bytes; only one that may say more than the library reads is decoded (see MaySayMore).
    private byte[] _pending = Buffers.Rent(4096);
    private int _pendingLength;
    private byte[] _ready = Buffers.Rent(4096);
    private int _state;
    private int _readyAt;
    private int _readyLength;
    private bool _ended;
    private bool? _wholeDocument;
    private bool _errorEvent;

    /// <summary>What the stream said beyond what the library reads.</summary>
    public static AnswerEnd? Meaning(string reason) =>
        Known.Contains(reason) ? null
        : StopLike.Contains(reason.Trim()) ? AnswerEnd.Finished
        : LengthLike.Contains(reason.Trim()) ? AnswerEnd.CutAtLimit
        : FilterLike.Contains(reason.Trim()) ? AnswerEnd.Filtered
        : null;

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var state = Interlocked.CompareExchange(ref _state, State.Reading, State.Idle);
        ObjectDisposedException.ThrowIf(state is State.Disposed or State.DisposedWhileReading, this);
        if (state == State.Reading)
        {
            throw new NotSupportedException("a response body is read by one reader at a time");
        }

        try
        {
            while (_readyAt >= _readyLength && !_ended)
            {
                // Room for a read beside a partial line, without doubling the buffer for every line split across reads.
                Reserve(ref _pending, _pendingLength, 1024);
                var read = await Inner.ReadAsync(_pending.AsMemory(_pendingLength), cancellationToken);
                if (read == 0)
                {
                    _ended = true;
                    Release(flushPartial: true);
                    break;
                }

                _pendingLength += read;
                Release(flushPartial: _pendingLength > MaxLine);
            }

            var count = Math.Min(buffer.Length, _readyLength - _readyAt);
            _ready.AsMemory(_readyAt, count).CopyTo(buffer);
            _readyAt += count;
            return count;
        }
        finally
        {
            // Disposed while this read used the buffers: they go back now that nothing can write into them.
            if (Interlocked.CompareExchange(ref _state, State.Idle, State.Reading) == State.DisposedWhileReading)
            {
                ReturnBuffers();
            }
        }
    }

    // Moves every complete line (and, at the end or past the size bound, the rest) from pending to ready, rewritten.
    // Lines end with LF, CRLF or a lone CR, as server-sent events allow; a body that is one JSON document (a server that
    // ignored stream: true) is held to its end and passed on as the events it stands for.
    private void Release(bool flushPartial)
    {
        var bytes = _pending.AsSpan(0, _pendingLength);
        if (_wholeDocument is null && seen.Html is null && MayBeHtml(bytes) && ErrorText.LooksLikeHtml(Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 512)])))
        {
            seen.Html = ErrorText.Page(Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 64 * 1024)]));
        }

        _wholeDocument ??= FirstVisible(bytes) is { } first ? first == (byte)'{' : null;
        if (_wholeDocument == true)
        {
            if (_ended)
            {
                if (AsEvents(bytes.ToArray()) is { } events)
                {
                    Emit(events);
                }
                else
                {
                    Emit(bytes);
                }

                _pendingLength = 0;
            }

            return;
        }

        var end = flushPartial ? (_ended ? bytes.Length : WholeCharacters(bytes)) : LastLineEnd(bytes);
        if (end <= 0)
        {
            return;
        }

        var start = 0;
        for (var i = 0; i < end; i++)
        {
            if (bytes[i] is not (byte)'\n' and not (byte)'\r')
            {
                continue;
            }

            Pass(bytes[start..i]);
            var crlf = bytes[i] == (byte)'\r' && i + 1 < end && bytes[i + 1] == (byte)'\n';
            Emit(bytes.Slice(i, crlf ? 2 : 1));
            i += crlf ? 1 : 0;
            start = i + 1;
        }

        if (start < end)
        {
            // The rest of an over-long line, or of a stream that ended without a line end.
            Pass(bytes[start..end]);
        }

        bytes[end..].CopyTo(_pending);
        _pendingLength -= end;
    }

    // One line on to the library: as it came, unless it may say more than the library reads.
    private void Pass(ReadOnlySpan<byte> line)
    {
        // Bytes that are not UTF-8 reach the library as U+FFFD, as a decoded line would: the library fails on them.
        var valid = Utf8.IsValid(line);
        if (valid && !MaySayMore(line))
        {
            Emit(line);
            return;
        }

        if (valid && KnownFinish(line) is { } reason)
        {
            seen.RawFinishReason = reason;
            Emit(line);
            return;
        }

        var text = Encoding.UTF8.GetString(line);
        var rewritten = Rewrite(text);
        Emit(valid && ReferenceEquals(rewritten, text) ? line : Encoding.UTF8.GetBytes(rewritten));
    }

    // Whether Rewrite could change the line or learn from it; false only where it would return the line untouched.
    private bool MaySayMore(ReadOnlySpan<byte> line) => _errorEvent || line.StartsWith("event:"u8) || DataWorthParsing(line);

    // A data line with a finish reason, an error or reasoning; any other is passed on as it is.
    private static bool DataWorthParsing(ReadOnlySpan<byte> line) =>
        line.StartsWith("data:"u8) && (HasFinishReason(line) || line.IndexOf("\"error\""u8) >= 0 || line.IndexOf("\"reasoning"u8) >= 0);

    // The usual last chunk, a known reason in choices[i].finish_reason and nothing else Rewrite reads (no error, no
    // reasoning, under any spelling of their names): its reason, read without building the line's nodes; else null.
    private string? KnownFinish(ReadOnlySpan<byte> line)
    {
        if (_errorEvent || !line.StartsWith("data:"u8))
        {
            return null;
        }

        string? reason = null;
        var reader = new Utf8JsonReader(line["data:".Length..]);
        var inChoices = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == 1)
                {
                    inChoices = false;
                }

                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                if (reader.ValueIsEscaped || reader.ValueTextEquals("error"u8) || reader.ValueSpan.StartsWith("reasoning"u8))
                {
                    return null;
                }

                var depth = reader.CurrentDepth;
                var isChoices = depth == 1 && reader.ValueTextEquals("choices"u8);
                var isFinish = reader.ValueTextEquals("finish_reason"u8);
                if (!reader.Read())
                {
                    return null;
                }

                inChoices |= isChoices && reader.TokenType == JsonTokenType.StartArray;
                if (!isFinish || reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                if (!inChoices || depth != 3 || reader.TokenType != JsonTokenType.String || KnownReason(ref reader) is not { } known)
                {
                    return null;
                }

                reason = known;
            }
        }
        catch (JsonException)
        {
            return null;
        }

        // Read to its end without an exception: one whole JSON object.
        return reason;

        static string? KnownReason(ref Utf8JsonReader value)
        {
            foreach (var known in Known)
            {
                if (value.ValueTextEquals(known))
                {
                    return known;
                }
            }

            return null;
        }
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        if (_readyAt >= _readyLength)
        {
            _readyAt = _readyLength = 0;
        }

        Reserve(ref _ready, _readyLength, bytes.Length);
        bytes.CopyTo(_ready.AsSpan(_readyLength));
        _readyLength += bytes.Length;
    }

    private static void Reserve(ref byte[] buffer, int used, int more)
    {
        if (buffer.Length - used < more)
        {
            var larger = Buffers.Rent(Math.Max(buffer.Length * 2, used + more));
            buffer.AsSpan(0, used).CopyTo(larger);
            Buffers.Return(buffer);
            buffer = larger;
        }
    }

    // A body disposed from another thread while a read is under way keeps its buffers until that read ends (the inner
    // read may still write into one): whichever of the two comes last gives them back, once.
    protected override void Dispose(bool disposing)
    {
        while (disposing)
        {
            var state = Volatile.Read(ref _state);
            if (state is State.Disposed or State.DisposedWhileReading)
            {
                break;
            }

            if (Interlocked.CompareExchange(ref _state, state == State.Reading ? State.DisposedWhileReading : State.Disposed, state) == state)
            {
                if (state == State.Idle)
                {
                    ReturnBuffers();
                }

                break;
            }
        }

        base.Dispose(disposing);
    }

    private void ReturnBuffers()
    {
        Buffers.Return(_pending);
        Buffers.Return(_ready);
        _pending = _ready = [];
        _pendingLength = _readyAt = _readyLength = 0;
    }

    private static class State
    {
        public const int Idle = 0;
        public const int Reading = 1;
        public const int Disposed = 2;
        public const int DisposedWhileReading = 3;
    }

    // An event stream starts with a field name, a colon or (a whole document) a brace; a page with a tag, after any white space.
    private static bool MayBeHtml(ReadOnlySpan<byte> bytes) => FirstVisible(bytes) is not ((>= (byte)'a' and <= (byte)'z') or (byte)':' or (byte)'{' or null);

    private static byte? FirstVisible(ReadOnlySpan<byte> bytes)
    {
        var at = bytes.IndexOfAnyExcept(" \t\r\n"u8);
        return at < 0 ? null : bytes[at];
    }

    // After the last line end; a CR at the very end waits for the next read, which may bring its LF.
    private int LastLineEnd(ReadOnlySpan<byte> bytes)
    {
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] == (byte)'\n' || (bytes[i] == (byte)'\r' && (i < bytes.Length - 1 || _ended)))
            {
                return i + 1;
            }
        }

        return 0;
    }

    // A whole chat.completion as the events a stream would have sent; null when the body is no completion.
    private byte[]? AsEvents(byte[] body)
    {
        try
        {
            if (JsonNode.Parse(body) is not JsonObject root || root["choices"] is not JsonArray { Count: > 0 } choices || choices[0]?["message"] is not JsonObject message)
            {
                return null;
            }

            JsonObject Chunk(JsonObject delta, JsonNode? finish) => new()
            {
                ["id"] = root["id"]?.DeepClone(),
                ["object"] = "chat.completion.chunk",
                ["created"] = root["created"]?.DeepClone() ?? 0,
                ["model"] = root["model"]?.DeepClone(),
                ["system_fingerprint"] = root["system_fingerprint"]?.DeepClone(),
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
            };

            var delta = new JsonObject { ["role"] = "assistant", ["content"] = message["content"]?.DeepClone() };
            if (message["reasoning_content"]?.DeepClone() is { } reasoning)
            {
                delta["reasoning_content"] = reasoning;
            }

            var events = new StringBuilder();
            events.Append(Rewrite("data: " + Chunk(delta, null).ToJsonString())).Append("\n\n");
            events.Append(Rewrite("data: " + Chunk([], choices[0]?["finish_reason"]?.DeepClone()).ToJsonString())).Append("\n\n");
            if (root["usage"] is JsonObject usage)
            {
                var last = Chunk([], null);
                last["choices"] = new JsonArray();
                last["usage"] = usage.DeepClone();
                events.Append("data: ").Append(last.ToJsonString()).Append("\n\n");
            }

            events.Append("data: [DONE]\n\n");
            return Encoding.UTF8.GetBytes(events.ToString());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // What an error event said: before a finish reason the call failed; after it the answer is whole, the error reported.
    private void Said(string said)
    {
        if (seen.RawFinishReason is null)
        {
            seen.StreamError = said;
        }
        else
        {
            seen.ErrorAfterFinish ??= said;
        }
    }

    private string Rewrite(string line)
    {
        var trimmed = line;
        if (trimmed.StartsWith("event:", StringComparison.Ordinal))
        {
            // A named error event (`event: error`, then its data): its data is the server's text, whatever its shape.
            _errorEvent = trimmed["event:".Length..].Trim().Equals("error", StringComparison.OrdinalIgnoreCase);
            return line;
        }

        if (_errorEvent && trimmed.StartsWith("data:", StringComparison.Ordinal))
        {
            _errorEvent = false;
            var data = trimmed["data:".Length..].Trim();
            var said = data;
            try
            {
                if (JsonNode.Parse(data) is JsonObject body)
                {
                    said = (body["error"] is JsonObject inner ? inner["message"] : body["message"] ?? body["error"])?.ToString() ?? data;
                }
            }
            catch (JsonException)
            {
            }

            Said(said.Length > 500 ? said[..500] : said);
            return line;
        }

        if (trimmed.Length == 0)
        {
            _errorEvent = false;
        }

        if (!DataWorthParsing(Encoding.UTF8.GetBytes(trimmed)))
        {
            return line;
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(trimmed["data:".Length..]);
        }
        catch (JsonException)
        {
            return line;
        }

        if (node is not JsonObject root)
        {
            return line;
        }

        if (root["error"] is { } error)
        {
            Said((error is JsonObject body ? body["message"]?.ToString() : error.ToString()) ?? "an error event");
            return line;
        }

        var changed = false;
        foreach (var choice in (root["choices"] as JsonArray ?? []).OfType<JsonObject>())
        {
            // A reasoning model's reasoning (DeepSeek's and vLLM's reasoning_content, others' reasoning), which the library drops.
            if (choice["delta"] is JsonObject delta && (delta["reasoning_content"] ?? delta["reasoning"]) is JsonValue thought && thought.TryGetValue<string>(out var piece))
            {
                seen.Reasoning.Append(piece);
            }

            if (choice["finish_reason"] is not JsonValue value)
            {
                continue;
            }

            if (!value.TryGetValue<string>(out var reason))
            {
                // Not a string: no known server sends it; the answer cannot be trusted to be finished.
                changed = true;
                seen.Invalid = value.ToJsonString();
                choice["finish_reason"] = null;
                continue;
            }

            seen.RawFinishReason = reason;
            if (Known.Contains(reason))
            {
                continue;
            }

            if (Known.Contains(reason.Trim().ToLowerInvariant()))
            {
                changed = true;
                choice["finish_reason"] = reason.Trim().ToLowerInvariant();
                continue;
            }

            changed = true;
            choice["finish_reason"] = Meaning(reason) switch
            {
                AnswerEnd.Finished => "stop",
                AnswerEnd.CutAtLimit => "length",
                AnswerEnd.Filtered => "content_filter",
                _ => null,
            };
            if (choice["finish_reason"] is null)
            {
                seen.Aborted = reason;
            }
        }

        return changed ? "data: " + root.ToJsonString() : line;
    }

    // How many leading bytes end on a whole UTF-8 character (an over-long line is passed on in parts).
    private static int WholeCharacters(ReadOnlySpan<byte> bytes)
    {
        var at = bytes.Length;
        var back = 0;
        while (back < 3 && at - back - 1 >= 0 && (bytes[at - back - 1] & 0xC0) == 0x80)
        {
            back++;
        }

        var lead = at - back - 1;
        if (lead < 0)
        {
            return at;
        }

        var needed = (bytes[lead] & 0xE0) == 0xC0 ? 1 : (bytes[lead] & 0xF0) == 0xE0 ? 2 : (bytes[lead] & 0xF8) == 0xF0 ? 3 : 0;
        return needed > back ? lead : at;
    }

    // Every chunk carries "finish_reason": null; only one with a value is worth parsing. Any byte but white space,
    // a colon and n (a multi-byte space included) counts as a value, so a line Rewrite would change is never missed.
    private static bool HasFinishReason(ReadOnlySpan<byte> line)
    {
        var name = "\"finish_reason\""u8;
        for (var at = line.IndexOf(name); at >= 0; at = line.IndexOf(name))
        {
            line = line[(at + name.Length)..];
            var value = line.IndexOfAnyExcept(": \t\r\n"u8);
            if (value >= 0 && line[value] != (byte)'n')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What one call's stream said beyond what the library reads.</summary>
    internal sealed class Seen
    {
        /// <summary>The <c>finish_reason</c> as the server spelled it.</summary>
        public string? RawFinishReason { get; set; }

        /// <summary>A finish reason that means the server gave up on the answer (<c>abort</c>, <c>insufficient_system_resource</c>).</summary>
        public string? Aborted { get; set; }

        /// <summary>A <c>finish_reason</c> that is not a string (no OpenAI-compatible server sends one).</summary>
        public string? Invalid { get; set; }

        /// <summary>The server's own text of an error event in the stream.</summary>
        public string? StreamError { get; set; }

        /// <summary>The server's own text of an error event after the answer's finish reason.</summary>
        public string? ErrorAfterFinish { get; set; }

        /// <summary>How an HTML page that came instead of an event stream is named (a proxy's login page); null for an API's body.</summary>
        public string? Html { get; set; }

        /// <summary>The reasoning the stream carried beside the answer.</summary>
        public StringBuilder Reasoning { get; } = new();
    }
}

using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Gleitzeit.Testing;

/// <summary>The OpenAI wire format as the test server writes it: completions, stream chunks, error bodies, server-sent events.</summary>
internal static class OpenAiWire
{
    /// <summary>What every answer reports as <c>system_fingerprint</c>.</summary>
    public const string Fingerprint = "fp_gleitzeit";

    /// <summary>A non-streamed <c>chat.completion</c>.</summary>
    public static JsonObject Completion(string id, long created, string model, string content, string? finishReason, Usage usage) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion",
        ["created"] = created,
        ["model"] = model,
        ["system_fingerprint"] = Fingerprint,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content, ["refusal"] = null },
            ["logprobs"] = null,
            ["finish_reason"] = finishReason,
        }),
        ["usage"] = usage.ToJson(),
    };

    /// <summary>A <c>chat.completion.chunk</c> with one choice; <c>usage: null</c> when usage was asked for, as OpenAI sends it.</summary>
    public static JsonObject Chunk(string id, long created, string model, JsonObject delta, string? finishReason, bool includeUsage)
    {
        var chunk = ChunkHead(id, created, model);
        chunk["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["delta"] = delta,
            ["logprobs"] = null,
            ["finish_reason"] = finishReason,
        });
        if (includeUsage)
        {
            chunk["usage"] = null;
        }

        return chunk;
    }

    /// <summary>The last chunk of a stream with <c>stream_options.include_usage</c>: no choices, only usage.</summary>
    public static JsonObject UsageChunk(string id, long created, string model, Usage usage)
    {
        var chunk = ChunkHead(id, created, model);
        chunk["choices"] = new JsonArray();
        chunk["usage"] = usage.ToJson();
        return chunk;
    }

    /// <summary>An OpenAI error body: <c>{"error":{"message","type","param","code"}}</c>.</summary>
    public static JsonObject Error(string message, string type, string? code, string? param = null) => new()
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = code },
    };

    /// <summary>Writes a JSON body (not flushed: Kestrel sends it when the handler returns).</summary>
    public static Task WriteJson(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    /// <summary>Writes one <c>data:</c> event and flushes it, so each piece leaves at once (Kestrel sets TCP_NODELAY).</summary>
    public static async Task WriteEvent(HttpContext context, string data)
    {
        await context.Response.WriteAsync("data: " + data + "\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static JsonObject ChunkHead(string id, long created, string model) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = model,
        ["system_fingerprint"] = Fingerprint,
    };

    /// <summary>Token counts of one answer.</summary>
    internal readonly record struct Usage(int PromptTokens, int CompletionTokens)
    {
        public JsonObject ToJson() => new()
        {
            ["prompt_tokens"] = PromptTokens,
            ["completion_tokens"] = CompletionTokens,
            ["total_tokens"] = PromptTokens + CompletionTokens,
        };
    }
}

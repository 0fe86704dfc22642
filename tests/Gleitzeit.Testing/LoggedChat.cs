using System.Text.Json.Nodes;

namespace Gleitzeit.Testing;

/// <summary>One request the test server received.</summary>
/// <param name="Path">Request path, e.g. <c>/api/chat</c>.</param>
/// <param name="Model">The <c>model</c> field, for chat and show.</param>
/// <param name="Messages">The chat messages as sent.</param>
/// <param name="Options">The <c>options</c> object (Ollama); the body's other fields, e.g. <c>temperature</c>, <c>seed</c>, <c>max_tokens</c>, <c>stream</c> (OpenAI).</param>
/// <param name="Format">The <c>format</c> field (Ollama) or <c>response_format</c> (OpenAI), if any.</param>
/// <param name="Body">The whole request body.</param>
public sealed record LoggedRequest(string Path, string? Model, IReadOnlyList<LoggedMessage> Messages, JsonObject? Options, JsonNode? Format, JsonObject? Body)
{
    /// <summary>When the request arrived (UTC).</summary>
    public DateTime ReceivedAt { get; init; } = DateTime.UtcNow;

    /// <summary>Whether the request carried a credential header (<c>Authorization</c> or <c>api-key</c>); its value is never kept. OpenAI server only.</summary>
    public bool AuthPresented { get; init; }

    /// <summary>The name of the credential header the request carried, if any. OpenAI server only.</summary>
    public string? AuthHeader { get; init; }

    /// <summary>The names of the request's headers (never their values). OpenAI server only.</summary>
    public IReadOnlyList<string> HeaderNames { get; init; } = [];

    /// <summary>Whether the request passed the key check (true when the server requires no key). OpenAI server only.</summary>
    public bool AuthValid { get; init; }

    /// <summary>The HTTP status answered, 0 until the headers are decided (and for a hang). OpenAI server only.</summary>
    public int StatusCode { get; internal set; }

    /// <summary>The last user message's text.</summary>
    public string UserContent => Messages.LastOrDefault(m => m.Role == "user")?.Content ?? string.Empty;

    /// <summary>The file named in a composed message (<c>File content from X:</c>), if any.</summary>
    public string? FileName
    {
        get
        {
            const string marker = "File content from ";
            var content = UserContent;
            var start = content.IndexOf(marker, StringComparison.Ordinal);
            if (start < 0)
            {
                return null;
            }

            start += marker.Length;
            var end = content.IndexOf(":\n", start, StringComparison.Ordinal);
            return end < 0 ? null : content[start..end];
        }
    }
}

/// <summary>One chat message as the test server received it.</summary>
/// <param name="Role">Message role.</param>
/// <param name="Content">Message text (OpenAI content parts: the text parts joined by newlines).</param>
/// <param name="Images">Images as sent: base64 (Ollama) or image URLs, usually <c>data:</c> URLs (OpenAI).</param>
public sealed record LoggedMessage(string Role, string Content, IReadOnlyList<string> Images);

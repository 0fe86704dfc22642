using System.Text.Json.Nodes;

namespace Gleitzeit.Testing;

/// <summary>One request the test server received.</summary>
/// <param name="Path">Request path, e.g. <c>/api/chat</c>.</param>
/// <param name="Model">The <c>model</c> field, for chat and show.</param>
/// <param name="Messages">The chat messages as sent.</param>
/// <param name="Options">The <c>options</c> object, if any.</param>
/// <param name="Format">The <c>format</c> field, if any.</param>
/// <param name="Body">The whole request body.</param>
public sealed record LoggedRequest(string Path, string? Model, IReadOnlyList<LoggedMessage> Messages, JsonObject? Options, JsonNode? Format, JsonObject? Body)
{
    /// <summary>When the request arrived (UTC).</summary>
    public DateTime ReceivedAt { get; init; } = DateTime.UtcNow;

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
/// <param name="Content">Message text.</param>
/// <param name="Images">Base64 images, as sent.</param>
public sealed record LoggedMessage(string Role, string Content, IReadOnlyList<string> Images);

using System.Text.Json;

namespace Gleitzeit.Batch.Providers;

/// <summary>
/// Holds an <c>{"error": …}</c> line seen in a streamed response. OllamaSharp 5.5.2 swallows such a
/// line (a chunk with a null message, then a normal end), so the HTTP layer records it here for the provider.
/// </summary>
internal sealed class StreamErrorCapture(CancellationToken callCancellation)
{
    private static readonly AsyncLocal<StreamErrorCapture?> CurrentCapture = new();

    /// <summary>The capture of the call running in this async flow.</summary>
    public static StreamErrorCapture? Current
    {
        get => CurrentCapture.Value;
        set => CurrentCapture.Value = value;
    }

    public string? Error { get; private set; }

    /// <summary>An error line after the final <c>"done": true</c> chunk: the answer itself was finished.</summary>
    public string? ErrorAfterDone { get; private set; }

    private bool _done;

    /// <summary>
    /// The call's own cancellation (our timeouts included). The token the HTTP handler sees is HttpClient's,
    /// which HttpClient disposes once headers arrive, so it cannot end a stalled body read.
    /// </summary>
    public CancellationToken CallCancellation { get; } = callCancellation;

    /// <summary>Looks at one complete line of the stream.</summary>
    public void Inspect(ReadOnlySpan<byte> line)
    {
        var trimmed = line.Trim(" \t\r"u8);
        if (!trimmed.StartsWith("{"u8))
        {
            return;
        }

        if (trimmed.IndexOf("\"error\""u8) < 0)
        {
            _done |= trimmed.IndexOf("\"done\":true"u8) >= 0 || trimmed.IndexOf("\"done\": true"u8) >= 0;
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(trimmed.ToArray());
            if (document.RootElement.TryGetProperty("error", out var error))
            {
                var text = error.ValueKind == JsonValueKind.String ? error.GetString() : error.GetRawText();
                if (_done)
                {
                    ErrorAfterDone ??= text;
                }
                else
                {
                    Error = text;
                }
            }
        }
        catch (JsonException)
        {
        }
    }
}

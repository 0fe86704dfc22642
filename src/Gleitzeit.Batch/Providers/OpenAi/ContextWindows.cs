using System.Globalization;
using System.Text.RegularExpressions;

namespace Gleitzeit.Batch.Providers.OpenAi;

/// <summary>The context window a server names when it refuses a prompt as too long.</summary>
internal static partial class ContextWindows
{
    /// <summary>
    /// The window in OpenAI's and vLLM's "This model's maximum context length is 8192 tokens. …" or llama-server's
    /// "… exceeds the available context size (4096 tokens)"; null when the message names none.
    /// </summary>
    public static int? Stated(string message)
    {
        var match = Window().Match(message ?? string.Empty);
        return match.Success && int.TryParse(match.Groups["n"].Value.Replace(",", string.Empty, StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var tokens) && tokens > 0
            ? tokens
            : null;
    }

    [GeneratedRegex(@"(?:maximum context length is|context size \(|n_ctx[ =:]+)\s*(?<n>\d[\d,]{0,12})", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Window();
}

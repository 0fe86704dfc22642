using System.Globalization;
using System.Text.RegularExpressions;

namespace Gleitzeit.Batch.Providers.OpenAi;

/// <summary>
/// What OpenAI-compatible servers say of their limits in response headers: how long to wait after a 429
/// (<c>retry-after-ms</c>, <c>Retry-After</c> in seconds or as a date, <c>x-ratelimit-reset-*</c> such as <c>6m0s</c>),
/// and the limits themselves (<c>x-ratelimit-limit-requests</c>, <c>x-ratelimit-remaining-requests</c>…).
/// </summary>
internal static partial class RateLimitHeaders
{
    [GeneratedRegex(@"^(?:(?<h>\d+(?:\.\d+)?)h)?(?:(?<m>\d+(?:\.\d+)?)m(?!s))?(?:(?<s>\d+(?:\.\d+)?)s)?(?:(?<ms>\d+(?:\.\d+)?)ms)?$", RegexOptions.CultureInvariant)]
    private static partial Regex GoDuration();

    /// <summary>How long the server asks to wait, or null when it does not say.</summary>
    public static TimeSpan? RetryAfter(Func<string, string?> header, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (Number(header("retry-after-ms")) is { } milliseconds)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        if (header("Retry-After") is { Length: > 0 } retryAfter)
        {
            if (Number(retryAfter) is { } seconds)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                return date > now ? date - now : TimeSpan.Zero;
            }
        }

        var resets = new[] { "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens" }
            .Where(name => Whole(header(name.Replace("reset", "remaining", StringComparison.Ordinal))) is 0 or null)
            .Select(name => Duration(header(name)))
            .Where(d => d is not null)
            .ToList();
        return resets.Count == 0 ? null : resets.Max();
    }

    /// <summary>The limits a response states; null when it states none.</summary>
    public static RateLimitState? Limits(Func<string, string?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var state = new RateLimitState(
            Whole(header("x-ratelimit-limit-requests")),
            Whole(header("x-ratelimit-remaining-requests")),
            Duration(header("x-ratelimit-reset-requests")),
            Whole(header("x-ratelimit-limit-tokens")),
            Whole(header("x-ratelimit-remaining-tokens")));
        return state is { RequestsPerMinute: null, RequestsRemaining: null, TokensPerMinute: null, TokensRemaining: null } ? null : state;
    }

    /// <summary>A Go-style duration (<c>6m0s</c>, <c>1.5s</c>, <c>120ms</c>, <c>1h2m3s</c>), or plain seconds; null otherwise.</summary>
    public static TimeSpan? Duration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (Number(text) is { } seconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        var match = GoDuration().Match(text.Trim());
        if (!match.Success || match.Length == 0)
        {
            return null;
        }

        double Part(string name) => match.Groups[name].Success ? double.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        return TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m")) + TimeSpan.FromSeconds(Part("s")) + TimeSpan.FromMilliseconds(Part("ms"));
    }

    private static double? Number(string? text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : null;

    private static int? Whole(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}

using System.Net;
using System.Text.RegularExpressions;

namespace Gleitzeit.Batch.Providers;

/// <summary>
/// A server's error body as a message can carry it: one line, bounded, and an HTML page (a proxy's or gateway's error
/// or login page) named by its title instead of pasted in.
/// </summary>
public static partial class ErrorText
{
    private const int MaxLength = 300;

    /// <summary>Whether a body is an HTML page rather than an API's answer (which never starts with <c>&lt;</c>).</summary>
    public static bool LooksLikeHtml(ReadOnlySpan<char> body)
    {
        var start = body.TrimStart();
        return start.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase)
            || start.StartsWith("<html", StringComparison.OrdinalIgnoreCase)
            || start.StartsWith("<head", StringComparison.OrdinalIgnoreCase)
            || start.StartsWith("<body", StringComparison.OrdinalIgnoreCase)
            || (start.StartsWith("<", StringComparison.Ordinal) && start.Contains("<title", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>How an HTML page is named in a message: <c>an HTML page ("Sign in")</c>, or without a title when it has none.</summary>
    public static string Page(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var title = TitlePattern().Match(html.Length > 64 * 1024 ? html[..(64 * 1024)] : html);
        var text = title.Success ? Collapse(WebUtility.HtmlDecode(title.Groups[1].Value)) : string.Empty;
        return text.Length == 0 ? "an HTML page" : $"an HTML page (\"{Bounded(text, 120)}\")";
    }

    /// <summary>An error body for a message: HTML named by its title, anything else on one line of at most 300 characters.</summary>
    public static string Describe(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return LooksLikeHtml(body) ? Page(body) + ", not an API's error message: a proxy or gateway answered" : Bounded(Collapse(body), MaxLength);
    }

    private static string Collapse(string text) => Whitespace().Replace(text, " ").Trim();

    private static string Bounded(string text, int max) => text.Length > max ? text[..max] + "…" : text;

    [GeneratedRegex(@"<title[^>]*>(.*?)</title", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex TitlePattern();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();
}

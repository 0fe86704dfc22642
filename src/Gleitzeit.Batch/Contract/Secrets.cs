using System;
using System.Linq;
using System.Text.RegularExpressions;

namespace Gleitzeit.Batch.Contract;

/// <summary>
/// Addresses as they may be stored or printed: without credentials (<c>user:password@</c>) and without the values of
/// query parameters that carry secrets (<c>key=</c>, <c>token=</c>, <c>api_key=</c>, <c>sig=</c>…). The MSBuild task
/// uses it too, so a secret in a property never reaches a file under <c>obj/</c>.
/// </summary>
public static class Secrets
{
    /// <summary>What stands in for a removed secret.</summary>
    public const string Mask = "***";

    private static readonly Regex UserInfo = new(@"(?<=://)[^/@?#\s]+@", RegexOptions.CultureInvariant);

    private static readonly Regex SecretQueryValue = new(
        @"(?<=[?&](?:[A-Za-z0-9_.\-]*(?:key|token|secret|password|passwd|pwd|sig|signature|auth|credential)[A-Za-z0-9_.\-]*)=)[^&#\s]*",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    /// <summary>The text with every address's secrets masked; the same text when it has none.</summary>
    public static string Redact(string text)
    {
        if (text is null)
        {
            throw new ArgumentNullException(nameof(text));
        }

        return SecretQueryValue.Replace(UserInfo.Replace(text, Mask + "@"), Mask);
    }

    private static readonly Regex CredentialHeader = new(
        @"(?<=\b(?:Bearer|Basic)\s+|\b(?:api-key|x-api-key|authorization)[""']?\s*[:=]\s*[""']?(?:Bearer\s+|Basic\s+)?)(?!(?:Bearer|Basic)\b)[A-Za-z0-9._~+/=\-]{6,}",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    // Where a value is a credential whatever its length: after Bearer/Basic, a credential header or a password-like
    // word (with ':', '=' or a space), or alone in quotes.
    private const string CredentialPosition =
        @"(?<=\b(?:Bearer|Basic)(?:\s+|:\s*|%20|\+)|\b[A-Za-z_\-]*(?:api-key|apikey|api_key|authorization|password|passwd|pwd|secret|token|key)[""']?(?:\s*[:=]\s*|\s+)[""']?(?:(?:Bearer|Basic)(?:\s+|%20|\+))?|[""'`]|[A-Za-z0-9._~%\-]:(?=[^\s@/]{1,3}@))";

    /// <summary>
    /// A server's text as it may be stored or printed: <see cref="Redact(string)"/>, the configured key's value (a server or
    /// proxy that echoes the request), and any credential after <c>Bearer</c>, <c>Basic</c>, <c>api-key:</c> or
    /// <c>Authorization:</c>. A known value of 4 characters or more is masked wherever it stands; a shorter one (a 2-letter
    /// password) only where it stands as a credential — in an address, after those words or <c>password</c>/<c>key</c>/
    /// <c>token</c>, or alone in quotes — since masking every "ab" would garble the text and, by the gaps, tell the value.
    /// </summary>
    public static string Redact(string text, string? knownSecret)
    {
        var redacted = CredentialHeader.Replace(Redact(text), Mask);
        if (knownSecret is not { Length: > 0 } secret)
        {
            return redacted;
        }

        // As sent, and as a server may quote it: each character as itself or URL-encoded (a proxy may encode some and
        // not others), in either hex case, or in other letter case.
        var form = string.Concat(secret.Select(EitherForm));
        var pattern = secret.Length >= 4 ? form : CredentialPosition + form + @"(?![A-Za-z0-9._~+/=\-])";
        return Regex.Replace(redacted, pattern, Mask, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    private static string EitherForm(char c)
    {
        var encoded = string.Concat(System.Text.Encoding.UTF8.GetBytes(c.ToString()).Select(b => "%" + b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
        return c == ' ' ? "(?: |%20|\\+)" : $"(?:{Regex.Escape(c.ToString())}|{encoded})";
    }

    /// <summary>Whether <paramref name="text"/> has anything to mask.</summary>
    public static bool HasSecrets(string text) => !string.Equals(Redact(text), text, StringComparison.Ordinal);

    /// <summary>
    /// Splits credentials off an address: the address to connect to (no userinfo) and the <c>user:password</c> to send as
    /// HTTP basic authentication, if any.
    /// </summary>
    public static (Uri Address, string? UserInfo) SplitCredentials(string address)
    {
        var uri = new Uri(address);
        if (uri.UserInfo.Length == 0)
        {
            return (uri, null);
        }

        var builder = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty };
        return (builder.Uri, Uri.UnescapeDataString(uri.UserInfo));
    }

    /// <summary>The environment variable through which the MSBuild task hands the worker a setting whose value holds a secret.</summary>
    public static string EnvironmentVariableFor(string settingKey) => "GLEITZEIT_BUILD_SECRET_" + settingKey.ToUpperInvariant();
}

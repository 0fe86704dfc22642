using System.Text.RegularExpressions;

namespace Gleitzeit.Batch.Providers;

/// <summary>
/// Addresses as they may be stored or printed: without credentials (<c>user:password@</c>) and without the values of
/// query parameters that carry secrets (<c>key=</c>, <c>token=</c>, <c>api_key=</c>, <c>sig=</c>…).
/// </summary>
public static partial class EndpointRedaction
{
    /// <summary>What stands in for a removed secret.</summary>
    public const string Mask = "***";

    [GeneratedRegex(@"(?<=://)[^/@?#\s]+@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfo();

    [GeneratedRegex(@"(?<=[?&](?:[A-Za-z0-9_.\-]*(?:key|token|secret|password|passwd|pwd|sig|signature|auth|credential)[A-Za-z0-9_.\-]*)=)[^&#\s]*", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SecretQueryValue();

    /// <summary>The address with its secrets masked; the same text when it has none.</summary>
    public static string Redact(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var withoutUser = UserInfo().Replace(address, Mask + "@");
        return SecretQueryValue().Replace(withoutUser, Mask);
    }

    /// <summary>Whether <paramref name="address"/> had anything to mask.</summary>
    public static bool HasSecrets(string address) => !string.Equals(Redact(address), address, StringComparison.Ordinal);

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
}

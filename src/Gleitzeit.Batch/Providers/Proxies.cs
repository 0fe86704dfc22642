using System.Net;

namespace Gleitzeit.Batch.Providers;

/// <summary>
/// The proxy a request goes through when .NET's default one applies (<c>HTTP_PROXY</c>, <c>HTTPS_PROXY</c>,
/// <c>ALL_PROXY</c>, not bypassed by <c>NO_PROXY</c>; loopback addresses are not bypassed by themselves), so a
/// connection that fails there is blamed on the proxy, not on the model server behind it.
/// </summary>
public static class Proxies
{
    /// <summary>The proxy (masked) and the variable that set it, when a request to <paramref name="address"/> goes through one.</summary>
    public static (string Proxy, string Variable)? For(string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var target))
        {
            return null;
        }

        IWebProxy proxy;
        Uri? via;
        try
        {
            proxy = HttpClient.DefaultProxy;
            via = proxy.IsBypassed(target) ? null : proxy.GetProxy(target);
        }
        catch (Exception ex) when (ex is UriFormatException or InvalidOperationException or PlatformNotSupportedException)
        {
            return null;
        }

        if (via is null || via == target)
        {
            return null;
        }

        // The order .NET reads them in (HttpEnvironmentProxy): the scheme's own variable, lower case first, then ALL_PROXY.
        var scheme = target.Scheme == Uri.UriSchemeHttps ? "https_proxy" : "http_proxy";
        foreach (var variable in new[] { scheme, scheme.ToUpperInvariant(), "all_proxy", "ALL_PROXY" })
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
            {
                return (Secrets.Redact(value.Trim().TrimEnd('/')), variable);
            }
        }

        return (Secrets.Redact(via.GetLeftPart(UriPartial.Authority)), "the system's proxy setting");
    }

    /// <summary>What to say when <paramref name="address"/> cannot be reached through its proxy; null when no proxy is in the way.</summary>
    public static string? Unreachable(string address, string reason) => For(address) is { } proxy
        ? $"cannot reach the proxy {proxy.Proxy} ({proxy.Variable}) on the way to {Secrets.Redact(address)} ({reason}); check the proxy, or set NO_PROXY to go around it for {new Uri(address).Host}"
        : null;
}

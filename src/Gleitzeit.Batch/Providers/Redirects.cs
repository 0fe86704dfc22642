namespace Gleitzeit.Batch.Providers;

/// <summary>
/// Redirects are never followed: a request carries a credential (a bearer token, Azure's <c>api-key</c>, an address's
/// user and password), and only the address it was given may receive it. A redirect stops the batch with both
/// addresses named (credentials masked), so the endpoint can be pointed where the service really answers.
/// </summary>
public static class Redirects
{
    /// <summary>The error for a redirect from <paramref name="endpoint"/> to <paramref name="location"/>.</summary>
    public static ChatProviderException Refused(string endpoint, int status, string? location)
    {
        var target = location is null ? "another address" : Secrets.Redact(Origin(endpoint, location));
        return new ChatProviderException(
            $"{Secrets.Redact(endpoint)} redirected the request ({status}) to {target}: not followed, so no credential reaches an address it was not given; point the endpoint at the address the service answers on",
            DiagnosticCodes.RequestRejected,
            isTransient: false,
            stopsBatch: true,
            serverAnswered: true);
    }

    private static string Origin(string endpoint, string location)
    {
        if (!Uri.TryCreate(location, UriKind.Absolute, out var absolute) && Uri.TryCreate(endpoint, UriKind.Absolute, out var baseAddress))
        {
            Uri.TryCreate(baseAddress, location, out absolute);
        }

        return absolute is null ? "another address" : absolute.GetLeftPart(UriPartial.Authority);
    }
}

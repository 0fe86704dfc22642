namespace Gleitzeit.Batch.Providers;

/// <summary>
/// An API key as an environment variable holds it: whitespace around it (a trailing newline from <c>echo</c> or a secrets
/// file) is dropped; control or non-ASCII characters inside it could split an HTTP header, so the key is refused before
/// any request (GZ1006), naming the variable and never the value.
/// </summary>
public static class ApiKeys
{
    /// <summary>The key to send (null when the variable is unset or empty), or why it cannot be sent (<see cref="Refused"/>).</summary>
    public static (string? Key, string? Problem) Clean(string? value, string variable)
    {
        var key = value?.Trim();
        if (string.IsNullOrEmpty(key))
        {
            return (null, null);
        }

        if (key.Any(c => c < 0x21 || c > 0x7E))
        {
            return (null, $"the API key in {variable} holds a control, space or non-ASCII character, which no HTTP header may carry; set the variable to the key alone");
        }

        return (key, null);
    }

    /// <summary>The error a key that cannot be sent stops the batch with, before any request.</summary>
    public static ChatProviderException Refused(string problem) => new(problem, DiagnosticCodes.MissingApiKey, isTransient: false, stopsBatch: true);
}

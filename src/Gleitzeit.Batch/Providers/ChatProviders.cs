using Gleitzeit.Batch.Configuration;

namespace Gleitzeit.Batch.Providers;

/// <summary>Opens the model server the settings name.</summary>
public static class ChatProviders
{
    /// <summary>The provider for <paramref name="settings"/>.</summary>
    /// <exception cref="ConfigurationException">The endpoint cannot be an Ollama server's base address.</exception>
    public static IChatProvider Create(BatchSettings settings, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var endpoint = settings.Endpoint;
        var path = new Uri(endpoint).AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/api", StringComparison.OrdinalIgnoreCase))
        {
            throw new ConfigurationException(
                $"invalid value '{Secrets.Redact(endpoint)}' for {settings.Spell(Contract.Settings.Endpoint)}: give the Ollama server's base address without '/api' (e.g. {Secrets.Redact(endpoint[..endpoint.LastIndexOf("/api", StringComparison.OrdinalIgnoreCase)])})");
        }

        return new OllamaChatProvider(endpoint, settings.RequestTimeout, time);
    }
}

using Gleitzeit.Batch.Configuration;
using Gleitzeit.Batch.Providers.Local;
using Gleitzeit.Batch.Providers.OpenAi;

namespace Gleitzeit.Batch.Providers;

/// <summary>Opens the model server the settings name: Ollama (one server or several), an OpenAI-compatible service, or the local model.</summary>
public static class ChatProviders
{
    /// <summary>The provider for <paramref name="settings"/>.</summary>
    /// <exception cref="ConfigurationException">The endpoint does not fit the provider.</exception>
    public static IChatProvider Create(BatchSettings settings, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var preset = ProviderPresets.For(settings.Provider);
        if (preset.InProcess)
        {
            return new LocalChatProvider(LocalOptions(settings, time));
        }

        var endpoints = settings.Endpoints;
        var spelled = settings.Spell(Contract.Settings.Endpoint);
        if (endpoints.Count == 0)
        {
            throw new ConfigurationException($"{preset.Kind} needs an endpoint: set {spelled}{(preset.EndpointVariable is null ? string.Empty : $" or the environment variable {preset.EndpointVariable}")}");
        }

        if (preset.OpenAiCompatible)
        {
            if (endpoints.Count > 1)
            {
                throw new ConfigurationException($"invalid value '{Secrets.Redact(settings.Endpoint)}' for {spelled}: {preset.Kind} takes one address; to spread calls over several servers, point it at the cluster's router (LiteLLM, vLLM's own)");
            }

            var address = new Uri(endpoints[0]);
            if (preset.PathWhenNone is { } path && address.AbsolutePath is "/" or "")
            {
                address = new Uri(address.GetLeftPart(UriPartial.Authority) + path);
            }

            var variable = settings.ApiKeyVariable;
            var (key, keyProblem) = variable is null ? (null, null) : ApiKeys.Clean(settings.Environment(variable), variable);
            return new OpenAiChatProvider(new OpenAiServiceOptions
            {
                Preset = preset,
                Address = address,
                KeyVariable = variable,
                ApiKey = key,
                KeyProblem = keyProblem,
                RequestTimeout = settings.RequestTimeout,
                Time = time ?? TimeProvider.System,
            });
        }

        foreach (var endpoint in endpoints)
        {
            var apiPath = new Uri(endpoint).AbsolutePath.TrimEnd('/');
            if (apiPath.EndsWith("/api", StringComparison.OrdinalIgnoreCase))
            {
                throw new ConfigurationException(
                    $"invalid value '{Secrets.Redact(endpoint)}' for {spelled}: give the Ollama server's base address without '/api' (e.g. {Secrets.Redact(endpoint[..endpoint.LastIndexOf("/api", StringComparison.OrdinalIgnoreCase)])})");
            }
        }

        var servers = endpoints.Select(e => new OllamaChatProvider(e, settings.RequestTimeout, time)).ToList();
        return servers.Count == 1 ? servers[0] : new OllamaServers(servers);
    }

    /// <summary>Who answers, for cache keys, without opening anything (a dry run): see <see cref="IChatProvider.ServiceIdentity"/>.</summary>
    public static string? ServiceIdentity(BatchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var preset = ProviderPresets.For(settings.Provider);
        if (!preset.OpenAiCompatible || settings.Endpoints.Count != 1)
        {
            return null;
        }

        var address = new Uri(settings.Endpoints[0]);
        if (preset.PathWhenNone is { } path && address.AbsolutePath is "/" or "")
        {
            address = new Uri(address.GetLeftPart(UriPartial.Authority) + path);
        }

        return $"{preset.Kind} {OpenAiChatProvider.Normalize(address)}";
    }

    /// <summary>A model name as the settings' provider resolves it, without opening anything.</summary>
    public static string NormalizeModel(BatchSettings settings, string model)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var preset = ProviderPresets.For(settings.Provider);
        return preset.InProcess ? LocalModelSpec.Parse(model, settings.ModelsDirectory, settings.WorkingDirectory).Name
            : preset.OpenAiCompatible ? model.Trim()
            : ModelNames.Normalize(model);
    }

    /// <summary>A model's name in cache keys, without opening anything: see <see cref="IChatProvider.KeyModelName"/>.</summary>
    public static string KeyModelName(BatchSettings settings, string model) =>
        ProviderPresets.For(settings.Provider).InProcess ? LocalChatProvider.KeyName : NormalizeModel(settings, model);

    /// <summary>What is known of a model without a server (a dry run): see <see cref="IChatProvider.KnownModelInfo"/>.</summary>
    public static ModelInfo? KnownModelInfo(BatchSettings settings, string model)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!ProviderPresets.For(settings.Provider).InProcess)
        {
            return null;
        }

        using var local = new LocalChatProvider(LocalOptions(settings, null));
        return local.KnownModelInfo(model);
    }

    private static LocalProviderOptions LocalOptions(BatchSettings settings, TimeProvider? time) => new()
    {
        ModelsDirectory = settings.ModelsDirectory,
        WorkingDirectory = settings.WorkingDirectory,
        ContextLength = settings.ContextLength,
        RequestTimeout = settings.RequestTimeout,
        IdleTimeout = settings.IdleTimeout,
        // The downloader counts requests in all: the first and the retries.
        RetryAttempts = settings.RetryAttempts + 1,
        RetryDelayScale = settings.RetryBaseDelay.TotalSeconds,
        Time = time ?? TimeProvider.System,
    };
}

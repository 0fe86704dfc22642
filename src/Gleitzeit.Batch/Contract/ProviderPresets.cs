using System;
using System.Collections.Generic;

namespace Gleitzeit.Batch.Contract;

/// <summary>
/// The model server kinds and what each brings when a setting is left unset: where the server is (an environment
/// variable, then a fixed address), which environment variable holds its API key, and how the key is sent. The
/// OpenAI-compatible kinds are presets of one implementation.
/// </summary>
public sealed class ProviderPreset
{
    public string Kind { get; init; } = string.Empty;

    /// <summary>The environment variable naming the server when no setting does; null when there is none.</summary>
    public string? EndpointVariable { get; init; }

    /// <summary>The address when neither a setting nor <see cref="EndpointVariable"/> names one; null when one must be given.</summary>
    public string? DefaultEndpoint { get; init; }

    /// <summary>The port of an <c>http://</c> address that names none (Ollama's 11434, as <c>OLLAMA_HOST</c> is read); 0 to leave it.</summary>
    public int DefaultPort { get; init; }

    /// <summary>The environment variable that holds the API key by default; null for a server without keys.</summary>
    public string? KeyVariable { get; init; }

    /// <summary>Whether the key goes in an <c>api-key</c> header (Azure OpenAI) rather than <c>Authorization: Bearer</c>.</summary>
    public bool KeyInApiKeyHeader { get; init; }

    /// <summary>Whether the server speaks the OpenAI Chat Completions protocol (else Ollama's).</summary>
    public bool OpenAiCompatible { get; init; }

    /// <summary>The path appended to an endpoint given without one (Azure OpenAI's v1 API).</summary>
    public string? PathWhenNone { get; init; }

    /// <summary>Whether the model runs inside this process (no server, no endpoint).</summary>
    public bool InProcess { get; init; }

    /// <summary>The text model when none is set; null for the settings table's default.</summary>
    public string? DefaultModel { get; init; }
}

/// <summary>The presets by kind.</summary>
public static class ProviderPresets
{
    public static readonly ProviderPreset Ollama = new()
    {
        Kind = "ollama",
        EndpointVariable = "OLLAMA_HOST",
        DefaultEndpoint = "http://localhost:11434",
        DefaultPort = 11434,
    };

    public static readonly ProviderPreset OpenAi = new()
    {
        Kind = "openai",
        EndpointVariable = "OPENAI_BASE_URL",
        DefaultEndpoint = "https://api.openai.com/v1",
        KeyVariable = "OPENAI_API_KEY",
        OpenAiCompatible = true,
    };

    public static readonly ProviderPreset AzureOpenAi = new()
    {
        Kind = "azure-openai",
        EndpointVariable = "AZURE_OPENAI_ENDPOINT",
        KeyVariable = "AZURE_OPENAI_API_KEY",
        KeyInApiKeyHeader = true,
        OpenAiCompatible = true,
        PathWhenNone = "/openai/v1",
    };

    public static readonly ProviderPreset GitHubModels = new()
    {
        Kind = "github-models",
        DefaultEndpoint = "https://models.github.ai/inference",
        KeyVariable = "GITHUB_TOKEN",
        OpenAiCompatible = true,
    };

    public static readonly ProviderPreset Local = new()
    {
        Kind = "local",
        InProcess = true,
        DefaultModel = "qwen2.5-0.5b-instruct",
    };

    /// <summary>Every preset, the default first.</summary>
    public static IReadOnlyList<ProviderPreset> All { get; } = [Ollama, OpenAi, AzureOpenAi, GitHubModels, Local];

    /// <summary>The preset of <paramref name="kind"/>.</summary>
    public static ProviderPreset For(string kind)
    {
        foreach (var preset in All)
        {
            if (string.Equals(preset.Kind, kind, StringComparison.OrdinalIgnoreCase))
            {
                return preset;
            }
        }

        throw new ArgumentException($"unknown provider '{kind}'", nameof(kind));
    }
}

using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using OllamaSharp.Models;

namespace Gleitzeit.Batch.Providers;

/// <summary>Maps generation options by their Ollama wire names onto OllamaSharp's <see cref="RequestOptions"/>.</summary>
public static class OllamaOptions
{
    private static readonly Lazy<HashSet<string>> Names = new(() =>
        [.. typeof(RequestOptions).GetProperties()
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
            .OfType<string>()]);

    /// <summary>Maps <c>max_tokens</c> (the workflow spelling) to <c>num_predict</c>; returns null for a name that is not an option.</summary>
    public static string? WireName(string name)
    {
        var wire = name == "max_tokens" ? "num_predict" : name;
        return Names.Value.Contains(wire) ? wire : null;
    }

    /// <summary>Builds OllamaSharp's options object; null when there are none.</summary>
    /// <exception cref="ArgumentException">An option is unknown or has a value of the wrong type.</exception>
    public static RequestOptions? ToRequestOptions(JsonObject? options)
    {
        if (options is null || options.Count == 0)
        {
            return null;
        }

        foreach (var (name, _) in options)
        {
            if (!Names.Value.Contains(name))
            {
                throw new ArgumentException($"unknown model option '{name}'", nameof(options));
            }
        }

        try
        {
            return options.Deserialize<RequestOptions>();
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"invalid model option value: {ex.Message}", nameof(options), ex);
        }
    }
}

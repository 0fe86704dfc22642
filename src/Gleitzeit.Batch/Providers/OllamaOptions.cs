using System.Text.Json;
using System.Text.Json.Nodes;
using OllamaSharp.Models;

namespace Gleitzeit.Batch.Providers;

/// <summary>Maps generation options by their Ollama wire names onto OllamaSharp's <see cref="RequestOptions"/>.</summary>
public static class OllamaOptions
{
    // The wire names, as the source-generated JSON metadata of OllamaSharp's options type has them.
    private static readonly Lazy<HashSet<string>> Names = new(() =>
        [.. OllamaWireJsonContext.Default.RequestOptions.Properties.Select(p => p.Name)]);

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
            return options.Deserialize(OllamaWireJsonContext.Default.RequestOptions);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"invalid model option value: {ex.Message}", nameof(options), ex);
        }
    }
}

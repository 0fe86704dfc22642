using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gleitzeit.Batch.Configuration;

/// <summary>
/// Layers the settings as DESIGN.md orders them: built-in defaults &lt; user config
/// (<c>~/.gleitzeit/config.yaml</c>) &lt; project config (nearest <c>.gleitzeit/config.yaml</c> upward
/// from the working directory) &lt; environment. Flags and MSBuild properties are applied by the caller.
/// </summary>
public static class ConfigurationLoader
{
    /// <summary>The configuration files that apply to a working directory, lowest precedence first.</summary>
    public static IReadOnlyList<string> FindConfigFiles(string workingDirectory, Func<string, string?>? environment = null)
    {
        var files = new List<string>();
        var userConfig = Path.Combine(GleitzeitPaths.Home(environment), "config.yaml");
        if (File.Exists(userConfig))
        {
            files.Add(Path.GetFullPath(userConfig));
        }

        for (var dir = new DirectoryInfo(Path.GetFullPath(workingDirectory)); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".gleitzeit", "config.yaml");
            if (File.Exists(candidate))
            {
                var full = Path.GetFullPath(candidate);
                if (!files.Contains(full, StringComparer.Ordinal))
                {
                    files.Add(full);
                }

                break;
            }
        }

        return files;
    }

    /// <summary>Loads the layered settings for a working directory.</summary>
    public static BatchSettings Load(string workingDirectory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var settings = BatchSettings.Defaults(environment);
        foreach (var file in FindConfigFiles(workingDirectory, environment))
        {
            settings = ApplyFile(settings, file);
        }

        return ApplyEnvironment(settings, environment);
    }

    /// <summary>Applies the <c>batch:</c> section of one YAML file on top of <paramref name="settings"/>.</summary>
    public static BatchSettings ApplyFile(BatchSettings settings, string file)
    {
        var yaml = YamlFiles.Load(file);

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            return settings;
        }

        if (!root.Children.TryGetValue(new YamlScalarNode("batch"), out var batchNode))
        {
            return settings;
        }

        if (batchNode is not YamlMappingNode batch)
        {
            throw At(file, batchNode, "'batch' must be a mapping of settings");
        }

        foreach (var (keyNode, valueNode) in batch.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? string.Empty;
            var value = valueNode is YamlScalarNode scalar ? scalar.Value ?? string.Empty : null;
            if (value is null)
            {
                throw At(file, valueNode, $"batch.{key} must be a single value");
            }

            settings = ApplySetting(settings, key, value, message => At(file, valueNode, message));
        }

        return settings;
    }

    /// <summary>Applies one named setting (config key spelling) with validation.</summary>
    public static BatchSettings ApplySetting(BatchSettings settings, string key, string value, Func<string, Exception> error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return key switch
        {
            "max_file_size" => settings with { MaxFileSize = PositiveLong(key, value, error) },
            "max_concurrent" => settings with { MaxConcurrent = (int)Math.Min(PositiveLong(key, value, error), 1024) },
            "timeout_per_file" => settings with { TimeoutPerFile = Seconds(key, value, error) },
            "first_chunk_timeout" => settings with { FirstChunkTimeout = Seconds(key, value, error) },
            "idle_timeout" => settings with { IdleTimeout = Seconds(key, value, error) },
            "retry_attempts" => settings with { RetryAttempts = (int)Math.Min(PositiveLong(key, value, error), 100) },
            "default_pattern" => settings with { DefaultPattern = NonEmpty(key, value, error) },
            "results_directory" => settings with { ResultsDirectory = Path.GetFullPath(GleitzeitPaths.ExpandHome(NonEmpty(key, value, error))) },
            "cache_directory" => settings with { CacheDirectory = Path.GetFullPath(GleitzeitPaths.ExpandHome(NonEmpty(key, value, error))) },
            "cache_mode" => settings with { CacheMode = ParseCacheMode(value) ?? throw error($"invalid value '{value}' for {key}: expected ReadWrite, ReadOnly, Locked or Off") },
            "endpoint" => settings with { Endpoint = Endpoint(key, value, error) },
            "model" => settings with { Model = NonEmpty(key, value, error) },
            "vision_model" => settings with { VisionModel = NonEmpty(key, value, error) },
            _ => throw error($"unknown setting 'batch.{key}': expected one of max_file_size, max_concurrent, timeout_per_file, retry_attempts, default_pattern, results_directory, cache_directory, cache_mode, endpoint, model, vision_model"),
        };
    }

    /// <summary>Parses a cache mode name, case-insensitively; null when it is not one.</summary>
    public static CacheMode? ParseCacheMode(string value) =>
        Enum.TryParse<CacheMode>(value, ignoreCase: true, out var mode) && Enum.IsDefined(mode) && !int.TryParse(value, out _) ? mode : null;

    /// <summary>Normalises an Ollama endpoint the way OLLAMA_HOST is read: scheme and port optional.</summary>
    public static string NormalizeEndpoint(string value)
    {
        var text = value.Trim().TrimEnd('/');
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }

        var uri = new Uri(text);
        if (uri.IsDefaultPort && !text.AsSpan(text.IndexOf("://", StringComparison.Ordinal) + 3).Contains(':'))
        {
            text = new UriBuilder(uri) { Port = 11434 }.Uri.ToString().TrimEnd('/');
        }

        return text;
    }

    private static BatchSettings ApplyEnvironment(BatchSettings settings, Func<string, string?> environment)
    {
        var overrides = new (string Variable, string Key)[]
        {
            ("OLLAMA_HOST", "endpoint"),
            ("GLEITZEIT_CACHE_DIRECTORY", "cache_directory"),
            ("GLEITZEIT_CACHE_MODE", "cache_mode"),
            ("GLEITZEIT_RESULTS_DIRECTORY", "results_directory"),
            ("GLEITZEIT_MODEL", "model"),
        };
        foreach (var (variable, key) in overrides)
        {
            var value = environment(variable);
            if (!string.IsNullOrWhiteSpace(value))
            {
                settings = ApplySetting(settings, key, value, message => new ConfigurationException($"environment variable {variable}: {message}"));
            }
        }

        return settings;
    }

    private static ConfigurationException At(string file, YamlNode node, string message) =>
        new(message, file, (int)node.Start.Line, (int)node.Start.Column);

    private static long PositiveLong(string key, string value, Func<string, Exception> error) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw error($"invalid value '{value}' for {key}: expected a positive whole number");

    private static TimeSpan Seconds(string key, string value, Func<string, Exception> error) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds < 1e7
            ? TimeSpan.FromSeconds(seconds)
            : throw error($"invalid value '{value}' for {key}: expected a positive number of seconds");

    private static string NonEmpty(string key, string value, Func<string, Exception> error) =>
        string.IsNullOrWhiteSpace(value) ? throw error($"{key} must not be empty") : value.Trim();

    private static string Endpoint(string key, string value, Func<string, Exception> error)
    {
        try
        {
            var normalized = NormalizeEndpoint(NonEmpty(key, value, error));
            var uri = new Uri(normalized);
            return uri.Scheme is "http" or "https" ? normalized : throw error($"invalid value '{value}' for {key}: expected an http:// or https:// address");
        }
        catch (UriFormatException)
        {
            throw error($"invalid value '{value}' for {key}: expected an address such as http://localhost:11434");
        }
    }
}

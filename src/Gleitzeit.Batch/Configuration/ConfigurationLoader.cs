using Gleitzeit.Batch.Contract;
using YamlDotNet.RepresentationModel;

namespace Gleitzeit.Batch.Configuration;

/// <summary>
/// Layers the settings: built-in defaults &lt; user config (<c>~/.gleitzeit/config.yaml</c>) &lt; project config
/// (nearest <c>.gleitzeit/config.yaml</c> upward from the working directory) &lt; environment. Flags and MSBuild
/// properties are applied by the caller through <see cref="Apply"/>. Every layer reads the settings table.
/// </summary>
public static class ConfigurationLoader
{
    /// <summary>The configuration files that apply to a working directory, lowest precedence first.</summary>
    public static IReadOnlyList<string> FindConfigFiles(string workingDirectory, Func<string, string?>? environment = null) =>
        ConfigFiles.Find(workingDirectory, GleitzeitPaths.Home(environment));

    /// <summary>Loads the layered settings for a working directory.</summary>
    public static BatchSettings Load(string workingDirectory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var settings = BatchSettings.Defaults(environment) with { WorkingDirectory = Path.GetFullPath(workingDirectory) };
        foreach (var file in FindConfigFiles(workingDirectory, environment))
        {
            settings = ApplyFile(settings, file);
        }

        return ApplyEnvironment(settings, environment, workingDirectory);
    }

    /// <summary>Applies the <c>batch:</c> section of one YAML file on top of <paramref name="settings"/>.</summary>
    public static BatchSettings ApplyFile(BatchSettings settings, string file)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var yaml = YamlFiles.Load(file);
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return settings;
        }

        if (yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw At(file, yaml.Documents[0].RootNode, "a config file must be a mapping with a 'batch:' section of settings (is it UTF-8 YAML?)");
        }

        if (!root.Children.TryGetValue(new YamlScalarNode("batch"), out var batchNode) || batchNode is YamlScalarNode { Value: null or "" })
        {
            return settings;
        }

        if (batchNode is not YamlMappingNode batch)
        {
            throw At(file, batchNode, "'batch' must be a mapping of settings");
        }

        // Relative paths in a project's .gleitzeit/config.yaml are relative to the project, not to wherever a command runs.
        var directory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        var baseDirectory = Path.GetFileName(directory) == ".gleitzeit" ? Path.GetDirectoryName(directory)! : directory;
        foreach (var (keyNode, valueNode) in batch.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { Length: > 0 } key })
            {
                throw At(file, keyNode, "each key under 'batch:' must be a setting name such as max_concurrent");
            }

            var setting = Contract.Settings.Find(key);
            if (setting is null || !setting.InConfigFile)
            {
                throw At(file, keyNode, $"unknown setting 'batch.{key}': expected one of {string.Join(", ", Contract.Settings.All.Where(s => s.InConfigFile).Select(s => s.Key))}");
            }

            var text = valueNode switch
            {
                YamlScalarNode scalar => scalar.Value ?? string.Empty,
                YamlSequenceNode list when setting.Kind == SettingKind.AddressList && list.All(n => n is YamlScalarNode) =>
                    string.Join(";", list.Select(n => ((YamlScalarNode)n).Value)),
                _ => throw At(file, valueNode, $"batch.{key} must be a single value{(setting.Kind == SettingKind.AddressList ? " or a list of addresses" : string.Empty)}"),
            };
            settings = Apply(settings, setting, text, SettingLayer.ConfigFile, baseDirectory, message => At(file, valueNode, message));
        }

        return settings;
    }

    /// <summary>
    /// Applies one row's text from <paramref name="layer"/>: parsed and checked by the table, paths resolved against
    /// <paramref name="baseDirectory"/>. A bad value throws <paramref name="error"/> of the one message every layer shares.
    /// </summary>
    public static BatchSettings Apply(BatchSettings settings, SettingDefinition setting, string text, SettingLayer layer, string baseDirectory, Func<string, Exception> error)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(error);
        if (!SettingParser.TryParse(setting, text, DateTimeOffset.Now, out var value, out _))
        {
            var spelling = layer == SettingLayer.Environment ? $"environment variable {setting.Environment}" : setting.SpelledFor(layer);
            throw error(SettingParser.InvalidValue(setting, spelling, text));
        }

        if (setting.Kind == SettingKind.Path)
        {
            value = GleitzeitPaths.Resolve((string)value!, baseDirectory);
        }

        return settings.With(setting, value, layer);
    }

    /// <summary>Applies one setting by its config-file key; kept for callers that name settings by key.</summary>
    public static BatchSettings ApplySetting(BatchSettings settings, string key, string value, Func<string, Exception> error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var setting = Contract.Settings.Find(key) ?? throw error($"unknown setting '{key}'");
        return Apply(settings, setting, value, SettingLayer.ConfigFile, Directory.GetCurrentDirectory(), error);
    }

    /// <summary>Parses a cache mode name, case-insensitively; null when it is not one.</summary>
    public static CacheMode? ParseCacheMode(string value) =>
        SettingParser.TryParse(Contract.Settings.CacheMode, value, DateTimeOffset.Now, out var mode, out _) ? Enum.Parse<CacheMode>((string)mode!) : null;

    /// <summary>Normalises an Ollama endpoint the way OLLAMA_HOST is read: scheme and port optional.</summary>
    public static string NormalizeEndpoint(string value) =>
        SettingParser.NormalizeAddress(value, ProviderPresets.Ollama.DefaultPort) ?? throw new UriFormatException($"'{value}' is not an http:// or https:// address");

    private static BatchSettings ApplyEnvironment(BatchSettings settings, Func<string, string?> environment, string workingDirectory)
    {
        foreach (var setting in Contract.Settings.All.Where(s => s.Environment is not null))
        {
            var value = environment(setting.Environment!);
            if (!string.IsNullOrWhiteSpace(value))
            {
                settings = Apply(settings, setting, value, SettingLayer.Environment, workingDirectory, message => new ConfigurationException(message));
            }
        }

        return settings;
    }

    private static ConfigurationException At(string file, YamlNode node, string message) =>
        new(message, file, (int)node.Start.Line, (int)node.Start.Column);
}

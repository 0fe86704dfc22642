using System.Globalization;
using System.Xml.Linq;
using Gleitzeit.Batch.Configuration;

namespace Gleitzeit.Batch.Builds;

/// <summary>
/// What the MSBuild task asks of the worker: the project's <c>GleitzeitBatch</c> and <c>GleitzeitWorkflow</c>
/// items with their metadata, and the <c>Gleitzeit*</c> properties. Written by the task as XML with in-box APIs.
/// </summary>
public sealed record BuildManifest
{
    public required string ProjectFile { get; init; }

    public required string ProjectDirectory { get; init; }

    public required string OutputDirectory { get; init; }

    /// <summary>Property values by name without the <c>Gleitzeit</c> prefix (<c>Endpoint</c>, <c>CacheMode</c>…); empty ones left out.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<BuildItem> Items { get; init; } = [];

    /// <summary>Workflow YAML files, absolute.</summary>
    public IReadOnlyList<string> Workflows { get; init; } = [];

    public IReadOnlyList<string> Formats => [.. Property("Formats", "json;csv;md").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    public bool FailOnError => !string.Equals(Property("FailOnError", "true"), "false", StringComparison.OrdinalIgnoreCase);

    public string Property(string name, string fallback) => Properties.TryGetValue(name, out var value) && value.Length > 0 ? value : fallback;

    /// <summary>Reads a manifest file.</summary>
    /// <exception cref="ConfigurationException">The file is not a Gleitzeit build manifest.</exception>
    public static BuildManifest Load(string path)
    {
        XElement root;
        try
        {
            root = XDocument.Load(path).Root ?? throw new ConfigurationException("empty build manifest", path);
        }
        catch (System.Xml.XmlException ex)
        {
            throw new ConfigurationException($"invalid build manifest: {ex.Message}", path, ex.LineNumber, ex.LinePosition);
        }

        string Attribute(XElement element, string name) => (string?)element.Attribute(name) ?? string.Empty;
        return new BuildManifest
        {
            ProjectFile = Attribute(root, "Project"),
            ProjectDirectory = Attribute(root, "ProjectDirectory"),
            OutputDirectory = Attribute(root, "OutputDirectory"),
            Properties = root.Elements("Property")
                .Where(p => Attribute(p, "Value").Length > 0)
                .ToDictionary(p => Attribute(p, "Name"), p => Attribute(p, "Value"), StringComparer.Ordinal),
            Items = [.. root.Elements("Item").Select(i => new BuildItem(
                Attribute(i, "Path"),
                i.Attributes().Where(a => a.Name != "Path").ToDictionary(a => a.Name.LocalName, a => a.Value, StringComparer.Ordinal)))],
            Workflows = [.. root.Elements("Workflow").Select(w => Attribute(w, "Path"))],
        };
    }

    /// <summary>The batch settings: layered configuration of the project directory, then the MSBuild properties.</summary>
    /// <exception cref="ConfigurationException">A property has an invalid value.</exception>
    public BatchSettings Settings(Func<string, string?> environment)
    {
        var settings = ConfigurationLoader.Load(ProjectDirectory, environment);
        var map = new (string Property, string Key)[]
        {
            ("Endpoint", "endpoint"),
            ("Model", "model"),
            ("VisionModel", "vision_model"),
            ("MaxConcurrency", "max_concurrent"),
            ("TimeoutSeconds", "timeout_per_file"),
            ("RetryAttempts", "retry_attempts"),
            ("MaxFileSize", "max_file_size"),
            ("CacheDirectory", "cache_directory"),
            ("CacheMode", "cache_mode"),
            ("ResultsDirectory", "results_directory"),
        };
        foreach (var (property, key) in map)
        {
            if (Properties.TryGetValue(property, out var value) && value.Length > 0)
            {
                settings = ConfigurationLoader.ApplySetting(settings, key, value, message => new ConfigurationException($"Gleitzeit{property}: {message}", ProjectFile, code: DiagnosticCodes.InvalidSetting));
            }
        }

        return settings;
    }
}

/// <summary>One <c>GleitzeitBatch</c> item: its full path and its metadata.</summary>
/// <param name="Path">Full path of the file.</param>
/// <param name="Metadata">Batch, Prompt, SystemPrompt, Model, Vision, Temperature, Seed, Format, OutputFile.</param>
public sealed record BuildItem(string Path, IReadOnlyDictionary<string, string> Metadata)
{
    public string Get(string name) => Metadata.TryGetValue(name, out var value) ? value.Trim() : string.Empty;

    public bool Vision => string.Equals(Get("Vision"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a number the way MSBuild users write it (invariant culture).</summary>
    public static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}

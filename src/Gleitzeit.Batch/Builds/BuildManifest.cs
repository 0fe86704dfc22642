using System.Globalization;
using System.Xml.Linq;
using Gleitzeit.Batch.Configuration;

namespace Gleitzeit.Batch.Builds;

/// <summary>
/// What the MSBuild task asks of the worker (names in <see cref="BuildContract"/>): the project's <c>GleitzeitBatch</c>
/// and <c>GleitzeitWorkflow</c> items, the settings its properties set, and the artifacts the targets expect.
/// </summary>
public sealed record BuildManifest
{
    public required string ProjectFile { get; init; }

    public required string ProjectDirectory { get; init; }

    /// <summary>The process that started the worker (the MSBuild node); the worker stops when it is gone.</summary>
    public int? ParentProcess { get; init; }

    /// <summary>Settings-table rows set by MSBuild properties, by key; empty values are left out.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> SettingValues { get; init; } = [];

    /// <summary>Settings whose value holds a secret: the key, and the environment variable of this process that carries the value.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> SecretSettings { get; init; } = [];

    public IReadOnlyList<BuildItem> Items { get; init; } = [];

    /// <summary>Workflow YAML files, absolute.</summary>
    public IReadOnlyList<string> Workflows { get; init; } = [];

    /// <summary>The artifacts the targets expect (<c>@(GleitzeitOutput)</c>): exactly these are written.</summary>
    public IReadOnlyList<BuildOutput> Outputs { get; init; } = [];

    /// <summary>Reads a manifest file.</summary>
    /// <exception cref="ConfigurationException">The file is not a Gleitzeit build manifest of this version.</exception>
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
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cannot read the build manifest: {ex.Message}", path);
        }

        if (root.Name != BuildContract.RootElement || Attribute(root, BuildContract.VersionAttribute) != BuildContract.ManifestVersion)
        {
            throw new ConfigurationException(
                $"the build manifest is not version {BuildContract.ManifestVersion} of {BuildContract.RootElement}: the package's task and worker do not match; restore the Gleitzeit.Build package again",
                path,
                code: DiagnosticCodes.CannotRunHere);
        }

        var texts = root.Elements(BuildContract.TextElement).ToDictionary(t => Attribute(t, BuildContract.IdAttribute), t => t.Value, StringComparer.Ordinal);
        return new BuildManifest
        {
            ProjectFile = Attribute(root, BuildContract.ProjectAttribute),
            ProjectDirectory = Attribute(root, BuildContract.ProjectDirectoryAttribute),
            ParentProcess = int.TryParse(Attribute(root, BuildContract.ParentProcessAttribute), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parent) ? parent : null,
            SettingValues = [.. root.Elements(BuildContract.SettingElement)
                .Select(s => KeyValuePair.Create(Attribute(s, BuildContract.NameAttribute), Attribute(s, BuildContract.ValueAttribute)))
                .Where(s => s.Value.Length > 0)],
            SecretSettings = [.. root.Elements(BuildContract.SettingElement)
                .Where(s => Attribute(s, BuildContract.EnvironmentAttribute).Length > 0)
                .Select(s => KeyValuePair.Create(Attribute(s, BuildContract.NameAttribute), Attribute(s, BuildContract.EnvironmentAttribute)))],
            Items = [.. root.Elements(BuildContract.ItemElement).Select(i => new BuildItem(Attribute(i, BuildContract.PathAttribute), Metadata(i, texts)))],
            Workflows = [.. root.Elements(BuildContract.WorkflowElement).Select(w => Attribute(w, BuildContract.PathAttribute))],
            Outputs = [.. root.Elements(BuildContract.OutputElement).Select(o => new BuildOutput(
                Attribute(o, BuildContract.PathAttribute),
                Attribute(o, BuildContract.Metadata.Batch),
                Attribute(o, BuildContract.FormatAttribute)))],
        };
    }

    /// <summary>The batch settings: layered configuration of the project directory, then the MSBuild properties.</summary>
    /// <exception cref="ConfigurationException">A value is invalid (named by its MSBuild property, in the project file).</exception>
    public BatchSettings Settings(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var settings = ConfigurationLoader.Load(ProjectDirectory, environment) with { Surface = SettingLayer.MSBuild };
        var secrets = SecretSettings.Select(s => KeyValuePair.Create(s.Key, environment(s.Value) ?? string.Empty)).Where(s => s.Value.Length > 0);
        foreach (var (key, value) in SettingValues.Concat(secrets))
        {
            var setting = Contract.Settings.Find(key)
                ?? throw new ConfigurationException($"the build manifest names an unknown setting '{key}': the package's task and worker do not match", ProjectFile, code: DiagnosticCodes.CannotRunHere);
            settings = ConfigurationLoader.Apply(settings, setting, value, SettingLayer.MSBuild, ProjectDirectory, message => new ConfigurationException(message, ProjectFile));
        }

        return settings;
    }

    private static string Attribute(XElement element, string name) => (string?)element.Attribute(name) ?? string.Empty;

    private static Dictionary<string, string> Metadata(XElement item, Dictionary<string, string> texts)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in item.Attributes().Where(a => a.Name != BuildContract.PathAttribute))
        {
            var name = attribute.Name.LocalName;
            if (name.EndsWith(BuildContract.ReferenceSuffix, StringComparison.Ordinal) && texts.TryGetValue(attribute.Value, out var text))
            {
                metadata[name[..^BuildContract.ReferenceSuffix.Length]] = text;
            }
            else
            {
                metadata[name] = attribute.Value;
            }
        }

        return metadata;
    }
}

/// <summary>One <c>GleitzeitBatch</c> item: its full path and its metadata.</summary>
/// <param name="Path">Full path of the file.</param>
/// <param name="Metadata">Metadata by the names of <see cref="BuildContract.Metadata"/>.</param>
public sealed record BuildItem(string Path, IReadOnlyDictionary<string, string> Metadata)
{
    public string Get(string name) => Metadata.TryGetValue(name, out var value) ? value.Trim() : string.Empty;

    public bool Vision => string.Equals(Get(BuildContract.Metadata.Vision), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>An artifact the targets expect.</summary>
/// <param name="Path">Full path.</param>
/// <param name="Batch">The batch (or workflow file) it belongs to.</param>
/// <param name="Format"><c>json</c>, <c>csv</c> or <c>md</c>.</param>
public sealed record BuildOutput(string Path, string Batch, string Format);

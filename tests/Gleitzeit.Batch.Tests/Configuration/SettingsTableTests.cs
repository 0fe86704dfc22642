using System.Globalization;
using Gleitzeit.Batch.Builds;
using Gleitzeit.Batch.Configuration;

namespace Gleitzeit.Batch.Tests.Configuration;

/// <summary>The settings table: every row can be set from each layer it names, and a bad value gets the same message from every layer.</summary>
public sealed class SettingsTableTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    public static TheoryData<string> Rows()
    {
        var rows = new TheoryData<string>();
        foreach (var setting in Settings.All)
        {
            rows.Add(setting.Key);
        }

        return rows;
    }

    private Func<string, string?> Environment(string? name = null, string? value = null) =>
        variable => variable == "GLEITZEIT_HOME" ? _workspace.Home : variable == name ? value : null;

    private static string Valid(SettingDefinition setting) => setting.Kind switch
    {
        SettingKind.Integer => ((long)setting.Minimum + 1).ToString(CultureInfo.InvariantCulture),
        SettingKind.Size => "2KB",
        SettingKind.Seconds => "7",
        SettingKind.Choice => setting.Choices[^1],
        SettingKind.ChoiceList => setting.Choices[0],
        SettingKind.Address => "http://127.0.0.1:9",
        SettingKind.Path => "somewhere",
        SettingKind.Boolean => setting.Default == "true" ? "false" : "true",
        SettingKind.DateOrAge => "2026-01-02",
        SettingKind.AutoOrInteger => "4096",
        SettingKind.Fraction => "0.75",
        SettingKind.Pattern => "^Summary",
        _ => "sample-value",
    };

    private static string Invalid(SettingDefinition setting) => setting.Kind switch
    {
        SettingKind.Integer => ((long)setting.Maximum + 1).ToString(CultureInfo.InvariantCulture),
        SettingKind.Size => "0.5",
        SettingKind.Seconds => "1e308",
        SettingKind.Choice or SettingKind.ChoiceList => "sometimes",
        SettingKind.Address => "ftp://x",
        SettingKind.Boolean => "maybe",
        SettingKind.DateOrAge => "last tuesday",
        SettingKind.AutoOrInteger => "-3",
        SettingKind.Fraction => "1.5",
        SettingKind.Pattern => "(unclosed",
        _ => " ",
    };

    private string Manifest(string key, string value)
    {
        var path = Path.Combine(_workspace.Root, "manifest.xml");
        File.WriteAllText(path, $"""
            <GleitzeitBuild Version="{BuildContract.ManifestVersion}" Project="{_workspace.Root}/Docs.csproj" ProjectDirectory="{_workspace.Root}">
              <Setting Name="{key}" Value="{System.Security.SecurityElement.Escape(value)}" />
            </GleitzeitBuild>
            """);
        return path;
    }

    private string Config(string key, string value)
    {
        var directory = Path.Combine(_workspace.Root, ".gleitzeit");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "config.yaml");
        File.WriteAllText(path, $"batch:\n  {key}: \"{value}\"\n");
        return path;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void EveryRow_IsReachableFromEachLayerItNames_AndSetsTheSameValue(string key)
    {
        var setting = Settings.Find(key)!;
        var text = Valid(setting);
        SettingParser.TryParse(setting, text, DateTimeOffset.Now, out var expected, out _);
        var values = new List<object?>();
        if (setting.InConfigFile)
        {
            Config(key, text);
            values.Add(ConfigurationLoader.Load(_workspace.Root, Environment()).Get(setting));
            File.Delete(Path.Combine(_workspace.Root, ".gleitzeit", "config.yaml"));
        }

        if (setting.Environment is { } variable)
        {
            values.Add(ConfigurationLoader.Load(_workspace.Root, Environment(variable, text)).Get(setting));
        }

        if (setting.Property is not null)
        {
            values.Add(BuildManifest.Load(Manifest(key, text)).Settings(Environment()).Get(setting));
        }

        Assert.NotEmpty(values);
        foreach (var value in values)
        {
            if (setting.Kind == SettingKind.Path)
            {
                Assert.EndsWith("somewhere", (string)value!, StringComparison.Ordinal);
            }
            else if (setting.Kind == SettingKind.ChoiceList)
            {
                Assert.Equal((string[])expected!, (string[])value!);
            }
            else if (setting.Kind != SettingKind.DateOrAge)
            {
                Assert.Equal(expected, value);
            }

            if (setting.Kind is not SettingKind.Choice || setting.Choices.Count > 1)
            {
                var fallback = BatchSettings.Defaults(Environment()).Get(setting);
                Assert.NotEqual(fallback is string[] d ? string.Join(";", d) : fallback?.ToString(), value is string[] v ? string.Join(";", v) : value?.ToString());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void BadValue_GetsOneMessage_FromEveryLayer_NamedAsThatLayerSpellsIt(string key)
    {
        var setting = Settings.Find(key)!;
        var text = Invalid(setting);
        var expectation = SettingParser.Expectation(setting);
        if (setting.InConfigFile)
        {
            var file = Config(key, text);
            var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(_workspace.Root, Environment()));
            Assert.Equal(file, error.File);
            Assert.Equal($"invalid value '{text}' for {key}: {expectation}", error.Message);
            File.Delete(file);
        }

        // An empty or blank environment variable means "not set", so text settings have no bad value there.
        if (setting.Environment is { } variable && !string.IsNullOrWhiteSpace(text))
        {
            var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(_workspace.Root, Environment(variable, text)));
            Assert.Equal($"invalid value '{text}' for environment variable {variable}: {expectation}", error.Message);
        }

        if (setting.Property is { } property)
        {
            var error = Assert.Throws<ConfigurationException>(() => BuildManifest.Load(Manifest(key, text)).Settings(Environment()));
            Assert.EndsWith("Docs.csproj", error.File, StringComparison.Ordinal);
            Assert.Equal($"invalid value '{text}' for {property}: {expectation}", error.Message);
        }
    }

    [Fact]
    public void MaxConcurrentOverItsRange_IsRefusedInAConfigFile_NotSilentlyCapped()
    {
        Config("max_concurrent", "2000");

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(_workspace.Root, Environment()));

        Assert.Contains("from 1 to 1024", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("batch:\n  first_chunk_timeout: 9000000\n", "at most 604800")]
    [InlineData("batch:\n  ? {a: 1}\n  : 2\n", "setting name")]
    [InlineData("- batch\n- max_concurrent\n", "must be a mapping")]
    [InlineData("batch: 5\n", "'batch' must be a mapping")]
    public void ConfigThatCannotBeRead_IsOneErrorNamingTheFile(string yaml, string message)
    {
        var file = Config("placeholder", "x");
        File.WriteAllText(file, yaml);

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(_workspace.Root, Environment()));

        Assert.Equal(file, error.File);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Utf16GarbageInAConfigFile_IsAnError_NotIgnored()
    {
        var file = Config("placeholder", "x");
        File.WriteAllBytes(file, System.Text.Encoding.BigEndianUnicode.GetBytes("batch:\n  max_concurrent: 3\n"));

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(_workspace.Root, Environment()));

        Assert.Equal(file, error.File);
    }

    [Fact]
    public void EveryRowWithAnMSBuildProperty_IsPassedByThePackagesTargets()
    {
        var targets = File.ReadAllText(Path.Combine(Gleitzeit.Testing.RepositoryLayout.Root(), "buildTransitive", "Gleitzeit.Build.targets"));

        // long_documents and combine_prompt were once rows with a property the targets never passed on.
        var missing = Settings.All.Where(s => s.Property is not null && !targets.Contains($"<_GleitzeitSetting Include=\"{s.Key}\" Value=\"$({s.Property})\" />", StringComparison.Ordinal)).Select(s => s.Key);
        Assert.Empty(missing);
    }
}

using Gleitzeit.Batch.Configuration;

namespace Gleitzeit.Batch.Tests.Configuration;

public sealed class ConfigurationLoaderTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => name == "GLEITZEIT_HOME" ? _workspace.Home : variables.FirstOrDefault(v => v.Name == name).Value;

    private void WriteConfig(string directory, string yaml)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.yaml"), yaml);
    }

    [Fact]
    public void NoConfig_GivesTheSeedDefaults()
    {
        var settings = ConfigurationLoader.Load(_workspace.Docs, Environment());

        Assert.Equal(1_048_576, settings.MaxFileSize);
        Assert.Equal(5, settings.MaxConcurrent);
        Assert.Equal(3, settings.RetryAttempts);
        Assert.Equal("*", settings.DefaultPattern);
        Assert.Equal(Path.Combine(_workspace.Home, "batch_results"), settings.ResultsDirectory);
        Assert.Equal(Path.Combine(_workspace.Home, "cache"), settings.CacheDirectory);
        Assert.Equal("http://localhost:11434", settings.Endpoint);
    }

    [Fact]
    public void Layers_DefaultsThenUserThenProjectThenEnvironment()
    {
        WriteConfig(_workspace.Home, "batch:\n  max_concurrent: 2\n  retry_attempts: 7\n  timeout_per_file: 9\n");
        WriteConfig(Path.Combine(_workspace.Root, ".gleitzeit"), "batch:\n  max_concurrent: 3\n  default_pattern: \"*.md\"\n");
        var nested = Path.Combine(_workspace.Docs, "deep", "er");
        Directory.CreateDirectory(nested);

        var settings = ConfigurationLoader.Load(nested, Environment(("OLLAMA_HOST", "127.0.0.1:9999"), ("GLEITZEIT_CACHE_MODE", "locked")));

        Assert.Equal(3, settings.MaxConcurrent);
        Assert.Equal(7, settings.RetryAttempts);
        Assert.Equal(TimeSpan.FromSeconds(9), settings.TimeoutPerFile);
        Assert.Equal("*.md", settings.DefaultPattern);
        Assert.Equal("http://127.0.0.1:9999", settings.Endpoint);
        Assert.Equal(CacheMode.Locked, settings.CacheMode);
    }

    [Fact]
    public void ResultsDirectoryWithTilde_IsExpanded()
    {
        WriteConfig(Path.Combine(_workspace.Root, ".gleitzeit"), "batch:\n  results_directory: \"~/somewhere/results\"\n");

        var settings = ConfigurationLoader.Load(_workspace.Root, Environment());

        Assert.Equal(Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), "somewhere", "results"), settings.ResultsDirectory);
    }

    [Fact]
    public void InvalidValue_IsAnErrorNamingFileLineAndKey()
    {
        WriteConfig(Path.Combine(_workspace.Root, ".gleitzeit"), "# settings\nbatch:\n  max_concurrent: 4\n  max_file_size: lots\n");

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(_workspace.Root, Environment()));

        Assert.EndsWith(Path.Combine(".gleitzeit", "config.yaml"), error.File, StringComparison.Ordinal);
        Assert.Equal(4, error.Line);
        Assert.Contains("max_file_size", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"config\.yaml\(4,\d+\): error GZ1002: invalid value .lots. for max_file_size", error.Canonical("gleitzeit"));
    }

    [Fact]
    public void UnknownKey_IsAnErrorListingTheKnownOnes()
    {
        WriteConfig(Path.Combine(_workspace.Root, ".gleitzeit"), "batch:\n  max_concurrency: 4\n");

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(_workspace.Root, Environment()));

        Assert.Contains("batch.max_concurrency", error.Message, StringComparison.Ordinal);
        Assert.Contains("max_concurrent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenYaml_IsAnErrorWithItsPosition()
    {
        WriteConfig(Path.Combine(_workspace.Root, ".gleitzeit"), "batch:\n  max_concurrent: [1,\n");

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(_workspace.Root, Environment()));

        Assert.Contains("invalid YAML", error.Message, StringComparison.Ordinal);
        Assert.True(error.Line >= 2);
    }

    [Fact]
    public void InvalidEnvironmentValue_NamesTheVariable()
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(_workspace.Root, Environment(("GLEITZEIT_CACHE_MODE", "sometimes"))));

        Assert.Contains("GLEITZEIT_CACHE_MODE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherSectionsOfTheOriginalConfig_AreIgnored()
    {
        WriteConfig(Path.Combine(_workspace.Root, ".gleitzeit"), "providers:\n  ollama:\n    url: x\nbatch:\n  max_concurrent: 6\n");

        Assert.Equal(6, ConfigurationLoader.Load(_workspace.Root, Environment()).MaxConcurrent);
    }
}

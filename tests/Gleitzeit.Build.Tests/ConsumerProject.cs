using Gleitzeit.Testing;

namespace Gleitzeit.Build.Tests;

/// <summary>A real consumer project in a temporary folder that references the packed Gleitzeit.Build, built with dotnet build.</summary>
public sealed class ConsumerProject
{
    private readonly PackedFeed _feed;
    private readonly OllamaTestServer _server;

    public ConsumerProject(PackedFeed feed, OllamaTestServer server, string name = "Docs", string? root = null)
    {
        _feed = feed;
        _server = server;
        Name = name;
        Root = root ?? Path.Combine(feed.Root, Guid.NewGuid().ToString("N"));
        Directory = Path.Combine(Root, name);
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(Path.Combine(Root, ".editorconfig"), "root = true\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <clear />
                <add key="e2e" value="{feed.Feed}" />
              </packageSources>
            </configuration>
            """);
    }

    public string Name { get; }

    /// <summary>
    /// Adds the machine's global packages folder as a local source, for a target framework whose packages (e.g.
    /// NETStandard.Library) the repository's own restore already put there: still no network.
    /// </summary>
    public void UseGlobalPackagesAsSource()
    {
        var global = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set
            ? set
            : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var config = Path.Combine(Root, "nuget.config");
        File.WriteAllText(config, File.ReadAllText(config).Replace("</packageSources>", $"  <add key=\"global\" value=\"{global}\" />\n  </packageSources>", StringComparison.Ordinal));
    }

    public string Root { get; }

    public string Directory { get; }

    public string Home => Path.Combine(Root, "gleitzeit-home");

    public string ArtifactDirectory => Path.Combine(Directory, "bin", "Debug", "net10.0", "gleitzeit");

    public string Artifact(string file) => Path.Combine(ArtifactDirectory, file);

    public void WriteProject(string items, string properties = "", string? targetFrameworks = null)
    {
        var frameworks = targetFrameworks is null ? "<TargetFramework>net10.0</TargetFramework>" : $"<TargetFrameworks>{targetFrameworks}</TargetFrameworks>";
        File.WriteAllText(Path.Combine(Directory, Name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                {frameworks}
                {properties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Gleitzeit.Build" Version="{_feed.Version}" PrivateAssets="all" />
                {items}
              </ItemGroup>
            </Project>
            """);
    }

    public void Write(string relative, string content)
    {
        var path = Path.Combine(Directory, relative);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public DotnetResult Build(params string[] args) => Dotnet.Run(Directory, Environment(), ["build", "-nr:false", "-v:n", .. args]);

    /// <summary>Builds with more environment variables (they override the project's own).</summary>
    public DotnetResult BuildWith(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var merged = Environment();
        foreach (var (name, value) in environment)
        {
            merged[name] = value;
        }

        return Dotnet.Run(Directory, merged, ["build", "-nr:false", "-v:n", .. args]);
    }

    /// <summary>Starts <c>dotnet build</c> without waiting for it (output redirected), for tests that stop it.</summary>
    public System.Diagnostics.Process StartBuild(params string[] args) => Dotnet.Start(Directory, Environment(), ["build", "-nr:false", "-v:n", .. args]);

    /// <summary>
    /// A pull request's CI at dotnet build's default verbosity: a fresh clone (no bin/obj), no cache, no model server,
    /// Locked and verifying, with more arguments after those.
    /// </summary>
    public DotnetResult CleanCiBuild(params string[] args)
    {
        foreach (var folder in new[] { "bin", "obj" })
        {
            var path = Path.Combine(Directory, folder);
            if (System.IO.Directory.Exists(path))
            {
                System.IO.Directory.Delete(path, recursive: true);
            }
        }

        var environment = Environment();
        environment["GLEITZEIT_HOME"] = Path.Combine(Root, "ci-home-" + Guid.NewGuid().ToString("N"));
        environment["OLLAMA_HOST"] = "http://127.0.0.1:9";
        return Dotnet.Run(Directory, environment, ["build", "-nr:false", "-p:GleitzeitCacheMode=Locked", "-p:GleitzeitVerify=true", .. args]);
    }

    public DotnetResult Clean() => Dotnet.Run(Directory, Environment(), "clean", "-nr:false");

    public Dictionary<string, string> Environment() => new()
    {
        ["NUGET_PACKAGES"] = _feed.Packages,
        ["GLEITZEIT_HOME"] = Home,
        ["OLLAMA_HOST"] = _server.Endpoint,
    };

    /// <summary>Build workers of this project still running (found by their command line naming its obj folder).</summary>
    public List<int> Workers()
    {
        var manifest = Path.Combine(Directory, "obj");
        var found = new List<int>();
        foreach (var directory in System.IO.Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains("build-worker", StringComparison.Ordinal) && commandLine.Contains(manifest, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
        }

        return found;
    }
}

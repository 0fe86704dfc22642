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

    public string Root { get; }

    public string Directory { get; }

    public string Home => Path.Combine(Root, "gleitzeit-home");

    public string ArtifactDirectory => Path.Combine(Directory, "bin", "Debug", "net10.0", "gleitzeit");

    public string Artifact(string file) => Path.Combine(ArtifactDirectory, file);

    public void WriteProject(string items, string properties = "")
    {
        File.WriteAllText(Path.Combine(Directory, Name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
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

    public DotnetResult Clean() => Dotnet.Run(Directory, Environment(), "clean", "-nr:false");

    public Dictionary<string, string> Environment() => new()
    {
        ["NUGET_PACKAGES"] = _feed.Packages,
        ["GLEITZEIT_HOME"] = Home,
        ["OLLAMA_HOST"] = _server.Endpoint,
    };
}

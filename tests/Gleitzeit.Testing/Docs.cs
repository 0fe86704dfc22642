namespace Gleitzeit.Testing;

/// <summary>The repository's documentation: <c>README.md</c> at the root and the reference pages under <c>docs/</c>.</summary>
public static class Docs
{
    /// <summary>The README's path.</summary>
    public static string ReadmePath => Path.Combine(RepositoryLayout.Root(), "README.md");

    /// <summary>The folder of the reference pages.</summary>
    public static string Folder => Path.Combine(RepositoryLayout.Root(), "docs");

    /// <summary>The README's text.</summary>
    public static string Readme() => File.ReadAllText(ReadmePath);

    /// <summary>The path of <c>docs/NAME.md</c>.</summary>
    public static string PagePath(string name) => Path.Combine(Folder, name + ".md");

    /// <summary>The text of <c>docs/NAME.md</c>.</summary>
    public static string Page(string name) => File.ReadAllText(PagePath(name));

    /// <summary>Every <c>docs/*.md</c>, by name.</summary>
    public static IReadOnlyList<string> PagePaths() =>
        Directory.EnumerateFiles(Folder, "*.md").Order(StringComparer.Ordinal).ToList();

    /// <summary>The README, then every page: each file a reader may open.</summary>
    public static IReadOnlyList<string> AllPaths() => [ReadmePath, .. PagePaths()];

    /// <summary>A path as the repository names it (<c>docs/cli.md</c>), for messages.</summary>
    public static string Relative(string path) => Path.GetRelativePath(RepositoryLayout.Root(), path).Replace('\\', '/');
}

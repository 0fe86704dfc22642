namespace Gleitzeit.Batch.Configuration;

/// <summary>Where Gleitzeit keeps its state: <c>~/.gleitzeit</c>, moved by <c>GLEITZEIT_HOME</c>.</summary>
public static class GleitzeitPaths
{
    private const string HomePrefix = "~/.gleitzeit";

    /// <summary>The Gleitzeit home directory for the given environment.</summary>
    public static string Home(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var home = environment("GLEITZEIT_HOME");
        return string.IsNullOrWhiteSpace(home)
            ? Path.Combine(UserProfile(), ".gleitzeit")
            : Path.GetFullPath(ExpandHome(home));
    }

    /// <summary>Expands a leading <c>~</c> to the user's profile directory.</summary>
    public static string ExpandHome(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == "~")
        {
            return UserProfile();
        }

        if (path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
        {
            return Path.Combine(UserProfile(), path[2..]);
        }

        return path;
    }

    /// <summary>A path as a layer wrote it: <c>~</c> expanded, relative to <paramref name="baseDirectory"/>, made absolute.</summary>
    public static string Resolve(string path, string baseDirectory) => Path.GetFullPath(Path.Combine(baseDirectory, ExpandHome(path)));

    /// <summary>A default path of the settings table: <c>~/.gleitzeit/…</c> follows <paramref name="home"/>.</summary>
    internal static string ResolveDefault(string path, string home) =>
        path.StartsWith(HomePrefix, StringComparison.Ordinal)
            ? Path.GetFullPath(Path.Combine(home, path[HomePrefix.Length..].TrimStart('/')))
            : Path.GetFullPath(ExpandHome(path));

    private static string UserProfile() => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
}

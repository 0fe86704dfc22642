namespace Gleitzeit.Batch.Configuration;

/// <summary>Where Gleitzeit keeps its state: <c>~/.gleitzeit</c>, moved by <c>GLEITZEIT_HOME</c>.</summary>
public static class GleitzeitPaths
{
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

    private static string UserProfile() => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
}

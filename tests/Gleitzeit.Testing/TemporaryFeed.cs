using System.Globalization;

namespace Gleitzeit.Testing;

/// <summary>
/// A temporary folder with a local package feed in it, and a version no other test run packs: the base of the
/// fixtures that pack the repository's packages once and use them like a user would. Deleted on dispose.
/// </summary>
public abstract class TemporaryFeed : IDisposable
{
    /// <param name="purpose">Names the folder under the temp path (e.g. <c>gleitzeit-e2e</c>).</param>
    /// <param name="versionLabel">The prerelease label of <see cref="Version"/> (e.g. <c>e2e</c>).</param>
    protected TemporaryFeed(string purpose, string versionLabel)
    {
        Root = Path.Combine(Path.GetTempPath(), purpose, Guid.NewGuid().ToString("N"));
        Feed = Path.Combine(Root, "feed");
        Directory.CreateDirectory(Feed);
        Version = $"0.0.0-{versionLabel}." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
    }

    public string Root { get; }

    public string Feed { get; }

    public string Version { get; }

    /// <summary>The path of package <paramref name="id"/> at <see cref="Version"/> in the feed.</summary>
    public string Package(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }
}

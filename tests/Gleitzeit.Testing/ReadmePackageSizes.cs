using System.Globalization;
using System.Text.RegularExpressions;

namespace Gleitzeit.Testing;

/// <summary>
/// The package sizes the README gives (<c>`Gleitzeit.Build` 50.3 MB</c>), so the packaging tests can hold them to the
/// packages they pack: a newcomer choosing between packages reads these numbers.
/// </summary>
public static partial class ReadmePackageSizes
{
    /// <summary>How far a README figure may be from the packed package: the last digit, and a commit's worth of drift.</summary>
    public const double ToleranceMegabytes = 0.3;

    public static IReadOnlyList<double> Stated(string packageId)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryLayout.Root(), "README.md"));
        return SizeMention().Matches(readme)
            .Where(m => m.Groups["id"].Value == packageId)
            .Select(m => double.Parse(m.Groups["mb"].Value, CultureInfo.InvariantCulture))
            .ToList();
    }

    /// <summary>Fails naming the README's figure and the measured one when they differ by more than the tolerance.</summary>
    public static void AssertTrue(string packageId, string packagePath)
    {
        var measured = new FileInfo(packagePath).Length / 1_000_000.0;
        var stated = Stated(packageId);
        if (stated.Count == 0)
        {
            throw new InvalidOperationException($"README.md gives no size for `{packageId}` (write it as `{packageId}` {measured:0.0} MB).");
        }

        foreach (var figure in stated)
        {
            if (Math.Abs(figure - measured) > ToleranceMegabytes)
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"README.md says `{packageId}` is {figure:0.0} MB; packed it is {measured:0.0} MB. Update the README."));
            }
        }
    }

    [GeneratedRegex(@"`(?<id>Gleitzeit\.[A-Za-z.\-0-9]+)` (?<mb>\d+(\.\d)?) MB")]
    private static partial Regex SizeMention();
}

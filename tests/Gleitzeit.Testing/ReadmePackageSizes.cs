using System.Globalization;
using System.Text.RegularExpressions;

namespace Gleitzeit.Testing;

/// <summary>
/// The package sizes the README and the docs pages give (<c>`Gleitzeit.Build` 50.5 MB</c>), so the packaging tests can
/// hold them to the packages they pack: a newcomer choosing between packages reads these numbers.
/// </summary>
public static partial class ReadmePackageSizes
{
    /// <summary>How far a stated figure may be from the packed package: the last digit, and a commit's worth of drift.</summary>
    public const double ToleranceMegabytes = 0.3;

    /// <summary>Every figure given for the package, with the file that gives it (README.md, docs/….md).</summary>
    public static IReadOnlyList<(string File, double Megabytes)> Stated(string packageId) =>
        Docs.AllPaths()
            .SelectMany(path => SizeMention().Matches(File.ReadAllText(path))
                .Where(m => m.Groups["id"].Value == packageId)
                .Select(m => (Docs.Relative(path), double.Parse(m.Groups["mb"].Value, CultureInfo.InvariantCulture))))
            .ToList();

    /// <summary>Fails naming the file, its figure and the measured one when they differ by more than the tolerance.</summary>
    public static void AssertTrue(string packageId, string packagePath)
    {
        var measured = new FileInfo(packagePath).Length / 1_000_000.0;
        var stated = Stated(packageId);
        if (stated.Count == 0)
        {
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"neither README.md nor docs/*.md gives a size for `{packageId}` (write it as `{packageId}` {measured:0.0} MB in docs/local-model.md, \"Package sizes\")."));
        }

        foreach (var (file, figure) in stated)
        {
            if (Math.Abs(figure - measured) > ToleranceMegabytes)
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{file} says `{packageId}` is {figure:0.0} MB; packed it is {measured:0.0} MB. Update {file}."));
            }
        }
    }

    [GeneratedRegex(@"`(?<id>Gleitzeit\.[A-Za-z.\-0-9]+)` (?<mb>\d+(\.\d)?) MB")]
    private static partial Regex SizeMention();
}

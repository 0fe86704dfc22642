using Gleitzeit.Batch.Contract;
using Microsoft.Extensions.FileSystemGlobbing;

namespace Gleitzeit.Batch.Discovery;

/// <summary>
/// Finds a batch's files: stable ordinal order by relative path; missing, oversized and non-regular files reported, not
/// thrown; each real directory walked once (symbolic link loops reported once), unreadable directories reported and left out.
/// </summary>
public static class FileDiscovery
{
    /// <summary>Lists the files a request covers.</summary>
    /// <exception cref="DirectoryNotFoundException">The scanned directory does not exist.</exception>
    public static DiscoveryResult Discover(DiscoveryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var root = Path.GetFullPath(request.Root);
        var byRelative = new Dictionary<string, DiscoveredFile>(StringComparer.Ordinal);
        var warnings = new List<string>();

        if (request.Scan)
        {
            if (!Directory.Exists(root))
            {
                throw new DirectoryNotFoundException($"directory not found: {root}");
            }

            var matcher = new Matcher(StringComparison.Ordinal);
            foreach (var pattern in SplitPatterns(request.Patterns))
            {
                matcher.AddInclude(Scoped(pattern, request.Recursive));
            }

            foreach (var pattern in SplitPatterns(request.Excludes))
            {
                matcher.AddExclude(Scoped(pattern, recursive: true));
            }

            foreach (var match in matcher.Execute(GuardedDirectory.Root(root, warnings)).Files)
            {
                Add(byRelative, root, Path.GetFullPath(Path.Combine(root, match.Path)), request);
            }
        }

        var excludes = new Matcher(StringComparison.Ordinal);
        var anyExclude = false;
        foreach (var pattern in SplitPatterns(request.Excludes))
        {
            excludes.AddInclude(Scoped(pattern, recursive: true));
            anyExclude = true;
        }

        foreach (var file in request.Files)
        {
            var full = Path.GetFullPath(Path.Combine(root, file));
            var relative = RelativeTo(root, full);
            if (anyExclude && excludes.Match(relative).HasMatches)
            {
                continue;
            }

            Add(byRelative, root, full, request);
        }

        return new DiscoveryResult([.. byRelative.Values.OrderBy(f => f.RelativePath, StringComparer.Ordinal)], warnings);
    }

    /// <summary>The <c>/</c>-separated path of <paramref name="fullPath"/> relative to <paramref name="root"/>.</summary>
    public static string RelativeTo(string root, string fullPath)
    {
        var relative = Path.GetRelativePath(root, fullPath);
        return relative.Replace('\\', '/');
    }

    private static void Add(Dictionary<string, DiscoveredFile> files, string root, string fullPath, DiscoveryRequest request)
    {
        var relative = RelativeTo(root, fullPath);
        if (files.ContainsKey(relative))
        {
            return;
        }

        var kind = FileKinds.Of(fullPath);
        if (kind == FileKind.Missing)
        {
            // .NET reads file names as UTF-8: a name that is not (it shows U+FFFD) cannot be opened under the name it was listed with.
            var message = relative.Contains('\uFFFD', StringComparison.Ordinal)
                ? $"File name is not valid UTF-8 and cannot be opened: {relative}; rename the file"
                : $"File not found: {relative}";
            files[relative] = new DiscoveredFile(fullPath, relative, new FileProblem(FileProblemKind.NotFound, message));
            return;
        }

        if (kind != FileKind.Regular)
        {
            files[relative] = new DiscoveredFile(fullPath, relative, new FileProblem(
                FileProblemKind.NotRegularFile,
                $"{FileKinds.Describe(kind)}, not a regular file: skipped (it is never opened, since reading it could wait forever)"));
            return;
        }

        var info = new FileInfo(fullPath);
        if (request.ModifiedSince is { } since && info.LastWriteTimeUtc < since.UtcDateTime)
        {
            return;
        }

        files[relative] = info.Length > request.MaxFileSize
            ? new DiscoveredFile(fullPath, relative, new FileProblem(
                FileProblemKind.TooLarge,
                $"File too large: {info.Length} bytes is over the {request.MaxFileSize}-byte limit (raise {request.MaxFileSizeSetting} to include it)"))
            : new DiscoveredFile(fullPath, relative);
    }

    private static IEnumerable<string> SplitPatterns(IEnumerable<string> patterns) =>
        patterns.SelectMany(p => p.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    // `--pattern "*.txt"` matches in the directory itself; `--recursive` extends it to every level below.
    private static string Scoped(string pattern, bool recursive)
    {
        var normalized = pattern.Replace('\\', '/');
        return recursive && !normalized.Contains('/', StringComparison.Ordinal) ? "**/" + normalized : normalized;
    }
}

/// <summary>The files a request covers, ordered by relative path, and what was left out of the walk and why.</summary>
public sealed class DiscoveryResult(IReadOnlyList<DiscoveredFile> files, IReadOnlyList<string> warnings) : IReadOnlyList<DiscoveredFile>
{
    /// <summary>Directories that could not be read and symbolic link loops, one line each.</summary>
    public IReadOnlyList<string> Warnings { get; } = warnings;

    public int Count => files.Count;

    public DiscoveredFile this[int index] => files[index];

    public IEnumerator<DiscoveredFile> GetEnumerator() => files.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

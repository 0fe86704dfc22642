using Microsoft.Extensions.FileSystemGlobbing;

namespace Gleitzeit.Batch.Discovery;

/// <summary>Finds a batch's files: stable ordinal order by relative path, missing and oversized files reported, not thrown.</summary>
public static class FileDiscovery
{
    /// <summary>Lists the files a request covers.</summary>
    /// <exception cref="DirectoryNotFoundException">The scanned directory does not exist.</exception>
    public static IReadOnlyList<DiscoveredFile> Discover(DiscoveryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var root = Path.GetFullPath(request.Root);
        var byRelative = new Dictionary<string, DiscoveredFile>(StringComparer.Ordinal);

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

            foreach (var relative in matcher.GetResultsInFullPath(root))
            {
                Add(byRelative, root, relative, request);
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

        return [.. byRelative.Values.OrderBy(f => f.RelativePath, StringComparer.Ordinal)];
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

        var info = new FileInfo(fullPath);
        if (!info.Exists)
        {
            files[relative] = new DiscoveredFile(fullPath, relative, new FileProblem(FileProblemKind.NotFound, $"File not found: {fullPath}"));
            return;
        }

        if (request.ModifiedSince is { } since && info.LastWriteTimeUtc < since.UtcDateTime)
        {
            return;
        }

        files[relative] = info.Length > request.MaxFileSize
            ? new DiscoveredFile(fullPath, relative, new FileProblem(
                FileProblemKind.TooLarge,
                $"File too large: {info.Length} bytes is over the {request.MaxFileSize}-byte limit (raise max_file_size to include it)"))
            : new DiscoveredFile(fullPath, relative);
    }

    private static IEnumerable<string> SplitPatterns(IEnumerable<string> patterns) =>
        patterns.SelectMany(p => p.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    // The original's `--pattern "*.txt"` matches in the directory itself; `--recursive` extends it to every level below.
    private static string Scoped(string pattern, bool recursive)
    {
        var normalized = pattern.Replace('\\', '/');
        return recursive && !normalized.Contains('/', StringComparison.Ordinal) ? "**/" + normalized : normalized;
    }
}

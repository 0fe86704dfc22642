using Microsoft.Extensions.FileSystemGlobbing.Abstractions;

namespace Gleitzeit.Batch.Discovery;

/// <summary>
/// The directory walk under the glob matcher, made safe for real trees: each real directory is entered once (a
/// symbolic link back to an enclosing directory is a loop, reported once and not followed; a second link to a directory
/// already walked is not walked again), an unreadable directory is reported and left out instead of ending the walk,
/// and entries come in ordinal order so the result does not depend on the file system.
/// </summary>
internal sealed class GuardedDirectory : DirectoryInfoBase
{
    private readonly DirectoryInfo _directory;
    private readonly string _realPath;
    private readonly WalkState _state;
    private readonly GuardedDirectory? _parent;

    private GuardedDirectory(DirectoryInfo directory, string realPath, WalkState state, GuardedDirectory? parent)
    {
        _directory = directory;
        _realPath = realPath;
        _state = state;
        _parent = parent;
    }

    public override string Name => _directory.Name;

    public override string FullName => _directory.FullName;

    public override DirectoryInfoBase? ParentDirectory => _parent;

    /// <summary>The root of a walk; <paramref name="warnings"/> collects what was left out and why.</summary>
    public static GuardedDirectory Root(string path, List<string> warnings)
    {
        var directory = new DirectoryInfo(path);
        var real = RealPath(directory) ?? directory.FullName;
        var state = new WalkState(directory.FullName, warnings);
        state.Visited.Add(real);
        return new GuardedDirectory(directory, real, state, null);
    }

    public override IEnumerable<FileSystemInfoBase> EnumerateFileSystemInfos()
    {
        List<FileSystemInfo> entries;
        try
        {
            entries = [.. _directory.EnumerateFileSystemInfos()];
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            _state.Warnings.Add($"{Relative(_directory.FullName)}/: cannot read this directory ({ex.GetType().Name.Replace("Exception", string.Empty, StringComparison.Ordinal)}: {ex.Message}); its files are left out");
            yield break;
        }

        foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (entry is DirectoryInfo child)
            {
                if (Enter(child) is { } guarded)
                {
                    yield return guarded;
                }
            }
            else if (entry is FileInfo file)
            {
                yield return new FileInfoWrapper(file);
            }
        }
    }

    public override DirectoryInfoBase? GetDirectory(string path)
    {
        if (path is ".." && _parent is not null)
        {
            return _parent;
        }

        var child = new DirectoryInfo(Path.Combine(_directory.FullName, path));
        return child.Exists ? Enter(child) : null;
    }

    public override FileInfoBase GetFile(string path) => new FileInfoWrapper(new FileInfo(Path.Combine(_directory.FullName, path)));

    private GuardedDirectory? Enter(DirectoryInfo child)
    {
        if (child.LinkTarget is null)
        {
            var real = Path.Combine(_realPath, child.Name);
            return _state.Visited.Add(real) ? new GuardedDirectory(child, real, _state, this) : null;
        }

        var target = RealPath(child);
        if (target is null)
        {
            return null;
        }

        for (var ancestor = this; ancestor is not null; ancestor = ancestor._parent)
        {
            if (string.Equals(ancestor._realPath, target, StringComparison.Ordinal))
            {
                _state.Warnings.Add($"{Relative(child.FullName)}: symbolic link to an enclosing directory ({target}), a loop: not followed");
                return null;
            }
        }

        return _state.Visited.Add(target) ? new GuardedDirectory(child, target, _state, this) : null;
    }

    private string Relative(string fullPath) => FileDiscovery.RelativeTo(_state.Root, fullPath);

    private static string? RealPath(DirectoryInfo directory)
    {
        try
        {
            var target = directory.LinkTarget is null ? null : directory.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null)
            {
                return directory.LinkTarget is null ? directory.FullName : null;
            }

            return target.Exists ? Path.GetFullPath(target.FullName) : null;
        }
        catch (IOException)
        {
            // Too many levels of links (a link that points at itself).
            return null;
        }
    }

    private sealed class WalkState(string root, List<string> warnings)
    {
        public string Root { get; } = root;

        public List<string> Warnings { get; } = warnings;

        public HashSet<string> Visited { get; } = new(StringComparer.Ordinal);
    }
}

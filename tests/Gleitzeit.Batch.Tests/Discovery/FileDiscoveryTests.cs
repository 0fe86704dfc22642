using Gleitzeit.Batch.Discovery;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Discovery;

public sealed class FileDiscoveryTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void Pattern_WithoutRecursive_MatchesOnlyTheDirectoryItself()
    {
        _workspace.Write("a.txt", "a");
        _workspace.Write("b.md", "b");
        _workspace.Write("sub/c.txt", "c");

        var files = FileDiscovery.Discover(new DiscoveryRequest { Root = _workspace.Docs, Scan = true, Patterns = ["*.txt"] });

        Assert.Equal(["a.txt"], files.Select(f => f.RelativePath));
    }

    [Fact]
    public void Recursive_MatchesEveryLevel_InOrdinalOrderWithSlashes()
    {
        _workspace.Write("b.txt", "b");
        _workspace.Write("A.txt", "a");
        _workspace.Write("sub/deeper/c.txt", "c");
        _workspace.Write("sub/a.txt", "a");

        var files = FileDiscovery.Discover(new DiscoveryRequest { Root = _workspace.Docs, Scan = true, Patterns = ["*.txt"], Recursive = true });

        Assert.Equal(["A.txt", "b.txt", "sub/a.txt", "sub/deeper/c.txt"], files.Select(f => f.RelativePath));
    }

    [Fact]
    public void SeveralPatternsAndExcludes_AreCombined()
    {
        _workspace.Write("a.txt", "a");
        _workspace.Write("b.md", "b");
        _workspace.Write("drafts/c.md", "c");
        _workspace.Write("d.png", "d");

        var files = FileDiscovery.Discover(new DiscoveryRequest { Root = _workspace.Docs, Scan = true, Patterns = ["*.txt;*.md"], Recursive = true, Excludes = ["drafts/**"] });

        Assert.Equal(["a.txt", "b.md"], files.Select(f => f.RelativePath));
    }

    [Fact]
    public void MissingExplicitFile_IsReportedAsAnItemProblem_NotThrown()
    {
        _workspace.Write("present.txt", "here");

        var files = FileDiscovery.Discover(new DiscoveryRequest { Root = _workspace.Docs, Files = ["present.txt", "absent.txt"] });

        Assert.Equal(2, files.Count);
        var absent = Assert.Single(files, f => f.RelativePath == "absent.txt");
        Assert.Equal(FileProblemKind.NotFound, absent.Problem!.Kind);
        Assert.Null(files.Single(f => f.RelativePath == "present.txt").Problem);
    }

    [Fact]
    public void FileOverTheSizeLimit_IsSkippedWithTheReason()
    {
        _workspace.Write("small.txt", "tiny");
        _workspace.Write("big.txt", new string('x', 2048));

        var files = FileDiscovery.Discover(new DiscoveryRequest { Root = _workspace.Docs, Scan = true, Patterns = ["*"], MaxFileSize = 1024 });

        var big = files.Single(f => f.RelativePath == "big.txt");
        Assert.Equal(FileProblemKind.TooLarge, big.Problem!.Kind);
        Assert.Contains("2048 bytes", big.Problem.Message, StringComparison.Ordinal);
        Assert.Null(files.Single(f => f.RelativePath == "small.txt").Problem);
    }

    [Fact]
    public void ModifiedSince_LeavesOutOlderFiles()
    {
        var old = _workspace.Write("old.txt", "old");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddDays(-3));
        _workspace.Write("new.txt", "new");

        var files = FileDiscovery.Discover(new DiscoveryRequest { Root = _workspace.Docs, Scan = true, ModifiedSince = DateTimeOffset.UtcNow.AddDays(-1) });

        Assert.Equal(["new.txt"], files.Select(f => f.RelativePath));
    }

    [Fact]
    public void MissingDirectory_ThrowsNamingIt()
    {
        var missing = Path.Combine(_workspace.Root, "nope");

        var error = Assert.Throws<DirectoryNotFoundException>(() => FileDiscovery.Discover(new DiscoveryRequest { Root = missing, Scan = true }));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplicitAndScannedFiles_AreDeduplicated()
    {
        _workspace.Write("a.txt", "a");

        var files = FileDiscovery.Discover(new DiscoveryRequest { Root = _workspace.Docs, Scan = true, Patterns = ["*.txt"], Files = ["a.txt", Path.Combine(_workspace.Docs, "a.txt")] });

        Assert.Single(files);
    }

    [Fact]
    public void Fifo_IsSkippedAsNotARegularFile_WithoutBeingOpened()
    {
        _workspace.Write("a.txt", "a");
        Unix.MakeFifo(Path.Combine(_workspace.Docs, "pipe.txt"));

        var scanned = FileDiscovery.Discover(new DiscoveryRequest { Root = _workspace.Docs, Scan = true, Patterns = ["*.txt"] });
        var named = FileDiscovery.Discover(new DiscoveryRequest { Root = _workspace.Docs, Files = ["pipe.txt"] });

        foreach (var result in new[] { scanned, named })
        {
            var pipe = Assert.Single(result, f => f.RelativePath == "pipe.txt");
            Assert.Equal(FileProblemKind.NotRegularFile, pipe.Problem!.Kind);
            Assert.True(pipe.Problem.IsSkip);
            Assert.Equal(DiagnosticCodes.InvalidFileFormat, pipe.Problem.Code);
            Assert.Contains("FIFO", pipe.Problem.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void SymbolicLinkLoop_WithRecursive_ListsEachRealFileOnce_AndReportsTheLoopOnce()
    {
        _workspace.Write("a.txt", "a");
        _workspace.Write("sub/b.txt", "b");
        Directory.CreateSymbolicLink(Path.Combine(_workspace.Docs, "sub", "up"), "..");
        Directory.CreateSymbolicLink(Path.Combine(_workspace.Docs, "twin"), "sub");

        var files = FileDiscovery.Discover(new DiscoveryRequest { Root = _workspace.Docs, Scan = true, Patterns = ["*.txt"], Recursive = true });

        Assert.Equal(["a.txt", "sub/b.txt"], files.Select(f => f.RelativePath));
        var loop = Assert.Single(files.Warnings);
        Assert.Contains("sub/up", loop, StringComparison.Ordinal);
        Assert.Contains("loop", loop, StringComparison.Ordinal);
    }

    [Fact]
    public void FileNameThatIsNotUtf8_IsReportedAsSuch_NotAsMissing()
    {
        Unix.Shell(_workspace.Docs, "printf x > $'bad\\xff.txt'");

        var files = FileDiscovery.Discover(new DiscoveryRequest { Root = _workspace.Docs, Scan = true, Patterns = ["*.txt"] });

        var bad = Assert.Single(files);
        Assert.Equal(FileProblemKind.NotFound, bad.Problem!.Kind);
        Assert.Contains("not valid UTF-8", bad.Problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("File not found", bad.Problem.Message, StringComparison.Ordinal);
    }
}

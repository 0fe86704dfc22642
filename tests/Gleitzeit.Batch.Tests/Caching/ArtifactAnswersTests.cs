using System.Text;
using Gleitzeit.Batch.Caching;

namespace Gleitzeit.Batch.Tests.Caching;

/// <summary>The committed JSON artifact as a cache tier: what a checkout, an editor or a merge may have done to it.</summary>
public sealed class ArtifactAnswersTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gleitzeit-tests", Guid.NewGuid().ToString("N"));

    public ArtifactAnswersTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Result(string file, string answer, string key) =>
        $$"""
            {
              "file": "{{file}}",
              "status": "success",
              "result": "{{answer}}",
              "processing_time": 0.5,
              "cache_key": "{{key}}"
            }
        """;

    private static string Artifact(string results, string digest = "sha256:aaa") =>
        $$"""
        {
          "batch_id": "docs",
          "provenance": {
            "models": [
              {
                "model": "llama3.2:latest",
                "digest": "{{digest}}"
              }
            ]
          },
          "results": [
        {{results}}
          ]
        }

        """.ReplaceLineEndings("\n");

    private string WriteFile(string text, bool bom = false)
    {
        var path = Path.Combine(_directory, "docs.json");
        var bytes = Encoding.UTF8.GetBytes(text);
        File.WriteAllBytes(path, bom ? [.. Encoding.UTF8.Preamble, .. bytes] : bytes);
        return path;
    }

    private static ArtifactRead Read(string path) => ArtifactAnswers.Read(path, m => m);

    [Fact]
    public void APlainArtifact_IsServed_WithNoProblem()
    {
        var read = Read(WriteFile(Artifact(Result("a.md", "About a.", "k1"))));

        Assert.Equal(ArtifactProblem.None, read.Problem);
        Assert.Null(read.Message);
        Assert.Equal("About a.", read.Answers?.TryGet("k1")?.Result);
        Assert.Equal("sha256:aaa", read.Answers?.DigestOf("llama3.2:latest"));
    }

    [Fact]
    public void AByteOrderMark_IsReadLikeAnyUtf8File()
    {
        var read = Read(WriteFile(Artifact(Result("a.md", "About ä.", "k1")), bom: true));

        Assert.Equal(ArtifactProblem.None, read.Problem);
        Assert.Equal("About ä.", read.Answers?.TryGet("k1")?.Result);
    }

    [Fact]
    public void CrlfLineEndings_AreReadLikeLf()
    {
        var read = Read(WriteFile(Artifact(Result("a.md", "About a.", "k1")).Replace("\n", "\r\n", StringComparison.Ordinal), bom: true));

        Assert.Equal(ArtifactProblem.None, read.Problem);
        Assert.Equal("About a.", read.Answers?.TryGet("k1")?.Result);
    }

    private static string Conflict(string ours, string theirs, string? @base = null, string newline = "\n") =>
        (Artifact(Result("a.md", "About a.", "k1") + ",\n" + "<<<<<<< HEAD\n" + ours + "\n"
            + (@base is null ? string.Empty : "||||||| merged common ancestors\n" + @base + "\n")
            + "=======\n" + theirs + "\n>>>>>>> feature/docs\n")).Replace("\n", newline, StringComparison.Ordinal);

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void AMergeConflict_ServesTheAnswersOfBothSides_OursWhereBothHaveAKey(string newline)
    {
        var ours = Result("b.md", "Ours about b.", "k2") + ",\n" + Result("d.md", "Ours about d.", "k4");
        var theirs = Result("c.md", "Theirs about c.", "k3") + ",\n" + Result("d.md", "Theirs about d.", "k4");

        var read = Read(WriteFile(Conflict(ours, theirs, newline: newline)));

        Assert.Equal(ArtifactProblem.Conflicted, read.Problem);
        Assert.Equal(19, read.ConflictLine);
        Assert.Contains("line 19", read.Message, StringComparison.Ordinal);
        Assert.Equal("About a.", read.Answers?.TryGet("k1")?.Result);
        Assert.Equal("Ours about b.", read.Answers?.TryGet("k2")?.Result);
        Assert.Equal("Theirs about c.", read.Answers?.TryGet("k3")?.Result);
        Assert.Equal("Ours about d.", read.Answers?.TryGet("k4")?.Result);
        Assert.Equal(4, read.Answers?.Count);
    }

    [Fact]
    public void ADiff3Conflict_LeavesTheBaseOut()
    {
        var read = Read(WriteFile(Conflict(
            Result("b.md", "Ours about b.", "k2"),
            Result("c.md", "Theirs about c.", "k3"),
            @base: Result("z.md", "The base's answer.", "k9"))));

        Assert.Equal(ArtifactProblem.Conflicted, read.Problem);
        Assert.True(read.Answers?.Contains("k2"));
        Assert.True(read.Answers?.Contains("k3"));
        Assert.False(read.Answers?.Contains("k9"));
    }

    [Fact]
    public void AConflictInTheDigests_IsResolvedTheSameWay()
    {
        var text = Artifact(Result("a.md", "About a.", "k1")).Replace(
            "        \"digest\": \"sha256:aaa\"\n",
            "<<<<<<< HEAD\n        \"digest\": \"sha256:ours\"\n=======\n        \"digest\": \"sha256:theirs\"\n>>>>>>> main\n",
            StringComparison.Ordinal);

        var read = Read(WriteFile(text));

        Assert.Equal(ArtifactProblem.Conflicted, read.Problem);
        Assert.Equal(7, read.ConflictLine);
        Assert.Equal("sha256:ours", read.Answers?.DigestOf("llama3.2:latest"));
    }

    [Fact]
    public void AConflictWithABrokenSide_IsUnreadable_NamingTheConflictAndNoContent()
    {
        var read = Read(WriteFile(Conflict(Result("b.md", "Ours about b.", "k2"), "    { \"file\": \"c.md\", \"result\": \"secret text\"")));

        Assert.Equal(ArtifactProblem.Unreadable, read.Problem);
        Assert.Null(read.Answers);
        Assert.Equal(19, read.ConflictLine);
        Assert.StartsWith("the merge conflict at line 19 cannot be resolved: their side is not a Gleitzeit JSON artifact", read.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", read.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AConflictWithNoEndMarker_IsUnreadable()
    {
        var text = Artifact(Result("a.md", "About a.", "k1")).Replace("  \"results\": [\n", "<<<<<<< HEAD\n  \"results\": [\n=======\n", StringComparison.Ordinal);

        var read = Read(WriteFile(text));

        Assert.Equal(ArtifactProblem.Unreadable, read.Problem);
        Assert.Null(read.Answers);
        Assert.Equal("the merge conflict at line 11 cannot be resolved: the conflict opened at line 11 has no end marker", read.Message);
    }

    [Theory]
    [InlineData("<html><body>secret</body></html>")]
    [InlineData("{\"results\": [ {\"file\": \"a\", secret")]
    [InlineData("[1, 2, 3]")]
    [InlineData("")]
    public void Garbage_IsUnreadable_WithAReasonThatQuotesNothing(string text)
    {
        var read = Read(WriteFile(text));

        Assert.Equal(ArtifactProblem.Unreadable, read.Problem);
        Assert.Null(read.Answers);
        Assert.Null(read.ConflictLine);
        Assert.StartsWith("not a Gleitzeit JSON artifact (", read.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", read.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8_IsUnreadable()
    {
        var path = Path.Combine(_directory, "docs.json");
        File.WriteAllBytes(path, [(byte)'{', 0xFF, 0xFE, (byte)'}']);

        Assert.Equal("not a Gleitzeit JSON artifact (not UTF-8 text)", Read(path).Message);
    }

    [Fact]
    public void NoFile_IsMissing_AndNothingElse()
    {
        var read = Read(Path.Combine(_directory, "none", "docs.json"));

        Assert.Equal(ArtifactProblem.Missing, read.Problem);
        Assert.Null(read.Answers);
        Assert.Null(read.Message);
    }
}

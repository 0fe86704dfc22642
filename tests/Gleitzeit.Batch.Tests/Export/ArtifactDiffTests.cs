using System.Text;
using Gleitzeit.Batch.Export;

namespace Gleitzeit.Batch.Tests.Export;

public sealed class ArtifactDiffTests
{
    private static byte[] Artifact(int successful, string betaResult, double betaTime) => Encoding.UTF8.GetBytes($$"""
        {
          "successful": {{successful}},
          "processing_time": {{betaTime * 2}},
          "results": [
            {
              "file": "docs/alpha.md",
              "status": "success",
              "result": "Alpha is about apples."
            },
            {
              "file": "docs/beta \"draft\".md",
              "status": "success",
              "result": "{{betaResult}}",
              "processing_time": {{betaTime}}
            }
          ]
        }
        """);

    [Fact]
    public void AnEditedInput_IsNamedByItsResultLine_NotByTheCountsAndTimesItMoved()
    {
        var before = Artifact(2, "Beta is about bananas.", 0.75);
        var after = Artifact(2, "Beta is about blueberries.", 0.25);

        var described = ArtifactDiff.Compare(before, after)?.Text;

        Assert.Equal("line 13: - \"result\": \"Beta is about bananas.\", / + \"result\": \"Beta is about blueberries.\", (in the result of docs/beta \"draft\".md)", described);
        Assert.Equal(13, ArtifactDiff.Compare(before, after)!.Line);
    }

    [Fact]
    public void OnlyNumbersMoved_TheFirstOfThemIsNamed()
    {
        var before = Artifact(2, "Same.", 0.75);
        var after = Artifact(1, "Same.", 0.75);

        Assert.Equal("line 2: - \"successful\": 2, / + \"successful\": 1,", ArtifactDiff.Compare(before, after)?.Text);
        Assert.Equal(2, ArtifactDiff.Compare(before, after)!.Line);
    }

    [Fact]
    public void SameBytes_AreNoDifference_AndNoFile_IsSaidSo()
    {
        var bytes = Artifact(2, "Same.", 0.5);

        Assert.Null(ArtifactDiff.Compare(bytes, [.. bytes]));
        Assert.Equal("it does not exist", ArtifactDiff.Compare(null, bytes)?.Text);
    }

    private static byte[] Results(params string[] files) => Encoding.UTF8.GetBytes(
        "{\n  \"successful\": " + files.Length + ",\n  \"results\": [\n"
        + string.Join(",\n", files.Select(f => $"    {{\n      \"file\": \"{f}\",\n      \"result\": \"About {f}.\",\n      \"processing_time\": 0.5\n    }}"))
        + "\n  ],\n  \"provenance\": {\n    \"model\": \"m\"\n  }\n}\n");

    [Fact]
    public void AResultGone_IsNamed_EvenWhenTheNextFileDiffersFromItOnlyByANumber()
    {
        var before = Results("v1.txt", "v2.txt", "v3.txt");
        var after = Results("v1.txt", "v3.txt");

        Assert.Equal("line 10: the result of v2.txt would be removed (its input is gone, renamed, or did not succeed)", ArtifactDiff.Compare(before, after)?.Text);
        Assert.Equal(10, ArtifactDiff.Compare(before, after)!.Line);
    }

    [Fact]
    public void ARenamedInput_IsNamedByItsOldName_AndANewOneAsAdded()
    {
        Assert.StartsWith("line 10: the result of v2.txt would be removed", ArtifactDiff.Compare(Results("v1.txt", "v2.txt"), Results("v1.txt", "w2.txt"))?.Text, StringComparison.Ordinal);
        Assert.Equal("line 10: a result for v3.txt would be added", ArtifactDiff.Compare(Results("v1.txt", "v2.txt"), Results("v1.txt", "v2.txt", "v3.txt"))?.Text);
    }

    [Fact]
    public void AChangeAfterTheResults_IsNotPutOnTheLastResult()
    {
        var before = Results("v1.txt");
        var after = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(before).Replace("\"model\": \"m\"", "\"model\": \"n\"", StringComparison.Ordinal));

        Assert.Equal("line 11: - \"model\": \"m\" / + \"model\": \"n\"", ArtifactDiff.Compare(before, after)?.Text);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void ACrlfCheckout_AndAByteOrderMark_AreNoDifference()
    {
        var lf = Results("v1.txt", "v2.txt");
        var crlf = Bytes(Encoding.UTF8.GetString(lf).Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.Null(ArtifactDiff.Compare(crlf, lf));
        Assert.Null(ArtifactDiff.Compare([.. Encoding.UTF8.Preamble, .. crlf], lf));
        Assert.Null(ArtifactDiff.Compare([.. Encoding.UTF8.Preamble, .. lf], lf));
    }

    [Fact]
    public void ACrlfCheckout_StillReportsARealChange_OnItsLine()
    {
        var before = Bytes(Encoding.UTF8.GetString(Results("v1.txt")).Replace("\n", "\r\n", StringComparison.Ordinal));
        var after = Bytes(Encoding.UTF8.GetString(Results("v1.txt")).Replace("About v1.txt.", "All about v1.txt.", StringComparison.Ordinal));

        Assert.Equal("line 6: - \"result\": \"About v1.txt.\", / + \"result\": \"All about v1.txt.\", (in the result of v1.txt)", ArtifactDiff.Compare(before, after)?.Text);
    }

    [Theory]
    [InlineData("  \"model\": \"m\"  ", "  \"model\": \"m\"", "line 2: - \"  \\\"model\\\": \\\"m\\\"  \" / + \"  \\\"model\\\": \\\"m\\\"\"")]
    [InlineData("\"a\":\t1", "\"a\": 1", "line 2: - \"\\\"a\\\":\\t1\" / + \"\\\"a\\\": 1\"")]
    [InlineData("x\0", "x", "line 2: - \"x\\0\" / + \"x\"")]
    [InlineData("x\u00A0", "x", "line 2: - \"x\\u00A0\" / + \"x\"")]
    public void LinesThatLookEqual_AreShownEscaped(string was, string @is, string expected)
    {
        var described = ArtifactDiff.Compare(Bytes("{\n" + was + "\n}\n"), Bytes("{\n" + @is + "\n}\n"))?.Text;

        Assert.Equal(expected, described);
    }

    [Fact]
    public void LongLinesDifferingPastTheClip_AreShownAroundTheDifference()
    {
        var prefix = new string('a', 150);

        var described = ArtifactDiff.Compare(Bytes(prefix + "b tail\n"), Bytes(prefix + "c tail\n"))!.Text;

        Assert.Equal($"line 1: - ...\"{new string('a', 40)}b tail\" / + ...\"{new string('a', 40)}c tail\"", described);
    }

    [Fact]
    public void AMissingFinalNewline_IsSaidSo_NotAsTwoEndsOfFile()
    {
        Assert.Equal("line 2: - (newline at end of file) / + (no newline at end of file)", ArtifactDiff.Compare(Bytes("{\n}\n"), Bytes("{\n}"))?.Text);
        Assert.Equal("line 2: - (no newline at end of file) / + (newline at end of file)", ArtifactDiff.Compare(Bytes("{\n}"), Bytes("{\n}\n"))?.Text);
    }

    [Fact]
    public void AnExtraEmptyLine_IsNamedAsSuch()
    {
        Assert.Equal("line 3: - (empty line) / + (end of file)", ArtifactDiff.Compare(Bytes("{\n}\n\n"), Bytes("{\n}\n"))?.Text);
        Assert.Equal("line 3: - (end of file) / + (empty line)", ArtifactDiff.Compare(Bytes("{\n}\n"), Bytes("{\n}\n\n"))?.Text);
    }

    [Fact]
    public void NoMessage_ShowsTwoEqualSides()
    {
        string[] variants = ["{\n}\n", "{\n}", "{\n} \n", "{\n}\t\n", "{\n}\n\n", "{\r\n}\r", "{\n}\0\n", "\n", ""];
        foreach (var a in variants)
        {
            foreach (var b in variants)
            {
                if (ArtifactDiff.Compare(Bytes(a), Bytes(b))?.Text is not { } text)
                {
                    continue;
                }

                var sides = text[(text.IndexOf(": - ", StringComparison.Ordinal) + 4)..].Split(" / + ");
                Assert.NotEqual(sides[0], sides[1]);
            }
        }
    }
}

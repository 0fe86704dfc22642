using System.Text;
using System.Text.Json.Nodes;
using Gleitzeit.Batch.Export;
using Gleitzeit.Batch.Results;

namespace Gleitzeit.Batch.Tests.Export;

/// <summary>A rendered pull request shows each item's name literally and its answer inside its own section, whatever they hold.</summary>
public sealed class MarkdownSafetyTests
{
    private static string Markdown(params ItemResult[] results) =>
        Encoding.UTF8.GetString(ExportFormats.ToBytes(ExportFormat.Markdown, ExportDocument.ForArtifact("docs", [], results)));

    private static ItemResult Success(string file, string answer) => new() { File = file, Status = ItemResult.Success, Result = answer };

    private static string[] Headings(string markdown) => [.. markdown.Split('\n').Where(l => l.TrimStart(' ').StartsWith('#'))];

    [Fact]
    public void HtmlInAName_IsShownAsText()
    {
        var markdown = Markdown(Success("docs/<img src=x onerror=alert(1)>.md", "Fine."));

        Assert.Contains("### ✅ docs/&lt;img src=x onerror=alert(1)&gt;.md\n", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void ANewlineInAName_StaysInItsHeading_AsAVisibleEscape()
    {
        var markdown = Markdown(Success("a\n# b\r.md", "Fine."));

        Assert.Contains("### ✅ a\\n\\# b\\r.md\n", markdown, StringComparison.Ordinal);
        Assert.Equal(["# Batch Processing Results", "## Results", "### ✅ a\\n\\# b\\r.md"], Headings(markdown));
    }

    [Theory]
    [InlineData("docs/*bold* [link](http://x) `code` ~x~ $x$ a\\b #1.md", "docs/\\*bold\\* \\[link\\](http://x) \\`code\\` \\~x\\~ \\$x\\$ a\\\\b \\#1.md")]
    [InlineData("_draft_.md", "\\_draft\\_.md")]
    [InlineData("snake_case_name.md", "snake_case_name.md")]
    [InlineData("Q&A.md", "Q&amp;A.md")]
    [InlineData("tab\there\u202E.md", "tab\\there\\u202E.md")]
    [InlineData("notes/alpha.md", "notes/alpha.md")]
    public void MarkdownSpecialsInAName_RenderLiterally(string file, string heading) =>
        Assert.Contains($"### ✅ {heading}\n", Markdown(Success(file, "Fine.")), StringComparison.Ordinal);

    [Theory]
    [InlineData("Intro.\n# Next item\nmore", "Intro.\n\\# Next item\nmore")]
    [InlineData("   ### ✅ other.md", "   \\### ✅ other.md")]
    [InlineData("A title\n===\nBody", "A title\n\\===\nBody")]
    [InlineData("A title\n---", "A title\n\\---")]
    [InlineData("Part one\n\n---\n\nPart two", "Part one\n\n---\n\nPart two")]
    [InlineData("<!-- swallow the rest\nx", "\\<!-- swallow the rest\nx")]
    [InlineData("<script>alert(1)</script>", "\\<script>alert(1)</script>")]
    [InlineData("- a list\n- **bold** and `code`", "- a list\n- **bold** and `code`")]
    public void AnAnswer_StaysMarkdown_ButCannotStartANewSection(string answer, string shown)
    {
        var markdown = Markdown(Success("a.md", answer), Success("b.md", "B."));

        Assert.Contains($"### ✅ a.md\n{shown}\n\n### ✅ b.md\nB.\n", markdown, StringComparison.Ordinal);
        Assert.Equal(["# Batch Processing Results", "## Results", "### ✅ a.md", "### ✅ b.md"], Headings(markdown).Where(h => !h.Contains('\\', StringComparison.Ordinal)));
    }

    [Fact]
    public void ACodeBlockInAnAnswer_IsLeftAsItIs()
    {
        const string answer = "Run:\n```sh\n# a shell comment\n<not html>\n```\nDone.";

        Assert.Contains($"### ✅ a.md\n{answer}\n\n### ✅ b.md", Markdown(Success("a.md", answer), Success("b.md", "B.")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Start:\n```python\nprint(1)", "Start:\n```python\nprint(1)\n```")]
    [InlineData("~~~~\ncode\n~~~", "~~~~\ncode\n~~~\n~~~~")]
    [InlineData("````\n```\nstill code", "````\n```\nstill code\n````")]
    public void ACodeFenceLeftOpen_IsClosedBeforeTheNextItem(string answer, string shown) =>
        Assert.Contains($"### ✅ a.md\n{shown}\n\n### ✅ b.md", Markdown(Success("a.md", answer), Success("b.md", "B.")), StringComparison.Ordinal);

    [Fact]
    public void AnError_IsPlainText_OverItsLines()
    {
        var markdown = Markdown(
            new ItemResult { File = "a.md", Status = ItemResult.Failed, Error = "server said <b>no</b>\n# not a heading\n---" },
            new ItemResult { File = "b.md", Status = ItemResult.Skipped, Error = "File too large\n===" });

        Assert.Contains("### ❌ a.md\nError: server said &lt;b&gt;no&lt;/b&gt;\n\\# not a heading\n\\---\n", markdown, StringComparison.Ordinal);
        Assert.Contains("### ⏭️ b.md\nSkipped: File too large\n\\===\n", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Provenance_IsShownLiterally_OnOneLine()
    {
        var provenance = new Provenance(
            [new ProvenanceTemplate("Summarize <b>this</b>\n# in *two* sentences", "Be\r\nbrief", "llama3.2:latest", "sha256:0123456789abcdef", new JsonObject { ["stop"] = "<end> *x*" }, null, 1)],
            []);
        var document = ExportDocument.ForArtifact("docs<x>", [], [Success("a.md", "A.")], provenance);

        var markdown = Encoding.UTF8.GetString(ExportFormats.ToBytes(ExportFormat.Markdown, document));

        Assert.Equal(
            "# Batch Processing Results\n**Batch ID**: docs&lt;x&gt;  \n**Prompt**: Summarize &lt;b&gt;this&lt;/b&gt; \\# in \\*two\\* sentences  \n**System**: Be brief  \n"
            + "**Model**: llama3.2:latest (0123456789ab)  \n**Options**: stop=\"\\\\u003Cend\\\\u003E \\*x\\*\"  \n",
            markdown[..markdown.IndexOf("**Total Files**", StringComparison.Ordinal)]);
    }
}

using System.Text;
using System.Text.RegularExpressions;
using Gleitzeit.Testing;

namespace Gleitzeit.Batch.Tests.Documentation;

/// <summary>
/// The README stays a short front door, and every link in it and in docs/ leads somewhere: to a file that exists and,
/// with a <c>#fragment</c>, to a heading of that file as GitHub names it.
/// </summary>
public sealed partial class DocsLinkTests
{
    private const int ReadmeLineLimit = 160;

    [Fact]
    public void Readme_IsAtMost160Lines()
    {
        var lines = File.ReadAllLines(Docs.ReadmePath).Length;

        Assert.True(lines <= ReadmeLineLimit, $"README.md has {lines} lines; move detail into a docs/ page (at most {ReadmeLineLimit}).");
    }

    [Fact]
    public void EveryRelativeLink_LeadsToAFileThatExists_AndEveryFragmentToAHeading()
    {
        var problems = new List<string>();
        foreach (var path in Docs.AllPaths())
        {
            foreach (var target in Links(File.ReadAllText(path)).Where(IsRelative))
            {
                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var file = hash < 0 ? target : target[..hash];
                var fragment = hash < 0 ? null : target[(hash + 1)..];
                var resolved = file.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, Uri.UnescapeDataString(file)));
                if (!File.Exists(resolved) && !Directory.Exists(resolved))
                {
                    problems.Add($"{Docs.Relative(path)}: ({target}) names no file");
                }
                else if (fragment is not null && (!resolved.EndsWith(".md", StringComparison.Ordinal) || !Anchors(File.ReadAllText(resolved)).Contains(fragment)))
                {
                    problems.Add($"{Docs.Relative(path)}: ({target}) names no heading of {Docs.Relative(resolved)}");
                }
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void EveryDocsPage_IsLinkedFromTheReadme_AndLinksBackToIt()
    {
        var root = RepositoryLayout.Root();
        var linked = Links(Docs.Readme()).Where(IsRelative)
            .Select(t => t.Split('#')[0])
            .Where(f => f.Length > 0)
            .Select(f => Path.GetFullPath(Path.Combine(root, f)))
            .ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(Docs.PagePaths());
        Assert.All(Docs.PagePaths(), page => Assert.True(linked.Contains(page), $"README.md does not link {Docs.Relative(page)}"));
        Assert.All(Docs.PagePaths(), page => Assert.True(Links(File.ReadAllText(page)).Contains("../README.md"), $"{Docs.Relative(page)} does not link back to the README"));
    }

    [Theory]
    [InlineData("Set up", "set-up")]
    [InlineData("No network: the offline path", "no-network-the-offline-path")]
    [InlineData("Item metadata (`GleitzeitBatch`)", "item-metadata-gleitzeitbatch")]
    [InlineData("Reviewed summaries: the committed artifact is the lockfile", "reviewed-summaries-the-committed-artifact-is-the-lockfile")]
    [InlineData("What `max_tokens` caps — and [why](x.md)", "what-max_tokens-caps--and-why")]
    public void Slug_IsGitHubs(string heading, string slug) => Assert.Equal(slug, Slug(heading));

    [Fact]
    public void Anchors_CountRepeatedHeadings_AndSkipCodeBlocks()
    {
        var anchors = Anchors("# Title\n\n## Usage\n\n```bash\n# not a heading\n```\n\n## Usage\n");

        Assert.Equal(new[] { "title", "usage", "usage-1" }, anchors.Order(StringComparer.Ordinal));
    }

    /// <summary>The targets of inline links and images, outside code blocks and code spans.</summary>
    private static List<string> Links(string markdown) =>
        LinkPattern().Matches(CodeSpan().Replace(Prose(markdown), string.Empty)).Select(m => m.Groups["target"].Value).ToList();

    private static bool IsRelative(string target) => !Scheme().IsMatch(target);

    /// <summary>The anchors GitHub gives a file's headings: each slug once, a repeated one with <c>-1</c>, <c>-2</c>, ….</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in Prose(markdown).Split('\n'))
        {
            if (Heading().Match(line) is not { Success: true } heading)
            {
                continue;
            }

            var slug = Slug(heading.Groups["text"].Value);
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }

        return anchors;
    }

    /// <summary>
    /// GitHub's slug of a heading: its text as rendered (link text without the address, code without backticks),
    /// lower case, without punctuation other than <c>-</c> and <c>_</c>, each space a <c>-</c>.
    /// </summary>
    private static string Slug(string heading)
    {
        var text = InlineLink().Replace(heading.Trim(), "${text}").Replace("`", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        var slug = new StringBuilder();
        foreach (var c in text)
        {
            if (c == ' ')
            {
                slug.Append('-');
            }
            else if (c == '-' || char.IsLetterOrDigit(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.ConnectorPunctuation
                         or System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark)
            {
                slug.Append(c);
            }
        }

        return slug.ToString();
    }

    /// <summary>The text outside fenced code blocks (a fence may be indented, as in a list item).</summary>
    private static string Prose(string markdown)
    {
        var prose = new StringBuilder();
        string? fence = null;
        foreach (var line in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var trimmed = line.TrimStart();
            if (fence is null && (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal)))
            {
                fence = trimmed[..3];
                continue;
            }

            if (fence is not null)
            {
                if (trimmed.StartsWith(fence, StringComparison.Ordinal) && trimmed.TrimEnd() == new string(fence[0], trimmed.TrimEnd().Length))
                {
                    fence = null;
                }

                continue;
            }

            prose.Append(line).Append('\n');
        }

        return prose.ToString();
    }

    [GeneratedRegex(@"!?\[(?<text>[^\]]*)\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^ {0,3}#{1,6}[ \t]+(?<text>.*?)(?:[ \t]+#+)?[ \t]*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.\-]*:")]
    private static partial Regex Scheme();
}

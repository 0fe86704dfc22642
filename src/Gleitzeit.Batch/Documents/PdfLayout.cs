using System.Text;
using System.Text.RegularExpressions;

namespace Gleitzeit.Batch.Documents;

/// <summary>Turns a PDF's page blocks into document blocks: running headers and footers out, hyphenation joined, headings by type size.</summary>
internal static partial class PdfLayout
{
    private const double EdgeFraction = 0.12;

    public static void Write(IReadOnlyList<PdfPageText> pages, DocumentWriter writer)
    {
        var running = RunningLines(pages);
        var body = BodySize(pages);
        foreach (var page in pages)
        {
            writer.PageBreak(page.Number);
            foreach (var block in page.Blocks)
            {
                if (IsAtEdge(block, page) && (running.Contains(Shape(block)) || IsPageNumber(block)))
                {
                    continue;
                }

                var text = Join(block.Lines);
                if (Bullet().IsMatch(text))
                {
                    var pieces = Bullet().Split(text);
                    writer.Paragraph(pieces[0]);
                    foreach (var item in pieces.Skip(1))
                    {
                        writer.ListItem(item, 0, null);
                    }
                }
                else if (body > 0 && block.FontSize >= body * 1.15 && block.Lines.Count <= 3 && text.Length <= 200)
                {
                    writer.Heading(block.FontSize >= body * 1.6 ? 1 : block.FontSize >= body * 1.3 ? 2 : 3, text);
                }
                else
                {
                    writer.Paragraph(text);
                }
            }
        }
    }

    /// <summary>The lines of a block joined: a word broken by a hyphen at a line end is made whole, other lines meet with a space.</summary>
    internal static string Join(IReadOnlyList<string> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            if (text.Length == 0)
            {
                text.Append(line);
            }
            else if (text.Length >= 2 && text[^1] is '-' or '\u2010' && char.IsLetter(text[^2]) && line.Length > 0 && char.IsLower(line[0]))
            {
                text.Length--;
                text.Append(line);
            }
            else
            {
                text.Append(' ').Append(line);
            }
        }

        return text.ToString();
    }

    // A header or footer: the same text, digits aside, in the top or bottom strip of three pages or more (a chapter's
    // running head repeats only over its chapter).
    private static HashSet<string> RunningLines(IReadOnlyList<PdfPageText> pages)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var page in pages)
        {
            foreach (var shape in page.Blocks.Where(b => IsAtEdge(b, page)).Select(Shape).Distinct())
            {
                counts[shape] = counts.GetValueOrDefault(shape) + 1;
            }
        }

        const int needed = 3;
        return counts.Where(c => c.Value >= needed).Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
    }

    private static bool IsAtEdge(PdfTextBlock block, PdfPageText page) =>
        page.Height > 0 && block.Lines.Count <= 2
        && (block.Bottom >= page.Height * (1 - EdgeFraction) || block.Top <= page.Height * EdgeFraction);

    private static string Shape(PdfTextBlock block) => Digits().Replace(string.Join(' ', block.Lines), "#");

    private static bool IsPageNumber(PdfTextBlock block) => block.Lines.Count == 1 && PageNumber().IsMatch(block.Lines[0]);

    // The type size most of the text is set in.
    private static double BodySize(IReadOnlyList<PdfPageText> pages) =>
        pages.SelectMany(p => p.Blocks)
            .Where(b => b.FontSize > 0)
            .GroupBy(b => Math.Round(b.FontSize, 1))
            .OrderByDescending(g => g.Sum(b => b.Lines.Sum(l => l.Length)))
            .Select(g => g.Key)
            .FirstOrDefault();

    // Bullets that start a block or follow a sentence inside one (a PDF often sets a short list as one block).
    [GeneratedRegex(@"(?:^|\s+)[\u2022\u25CF\u25AA\u25E6\u2023]\s+")]
    private static partial Regex Bullet();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Digits();

    [GeneratedRegex(@"^\s*(?:(?:page|seite|p\.)\s*)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:/|of|von)\s*\d{1,4})?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex PageNumber();
}

using System.Globalization;
using System.Text;

namespace Gleitzeit.Batch.Documents;

/// <summary>
/// Writes an extracted document's text and its blocks together: blocks are separated by a blank line (list items
/// of one list by a line break), whitespace inside a block is collapsed, and the output limit is held as it grows.
/// </summary>
internal sealed class DocumentWriter(DocumentLimits limits, CancellationToken cancellationToken)
{
    private readonly StringBuilder text = new();
    private readonly List<DocumentBlock> blocks = [];
    private readonly List<string> warnings = [];
    private bool lastItemNumbered;

    /// <summary>The page, slide or sheet blocks are on now (0: none).</summary>
    public int Page { get; set; }

    public bool IsEmpty => blocks.Count == 0;

    public void PageBreak(int page)
    {
        Page = page;
        Add(DocumentBlockKind.PageBreak, 0, string.Create(CultureInfo.InvariantCulture, $"<!-- page {page} -->"));
    }

    public void Heading(int level, string title)
    {
        var line = Inline(title).Replace('\n', ' ');
        if (line.Length > 0)
        {
            level = Math.Clamp(level, 1, 6);
            Add(DocumentBlockKind.Heading, level, new string('#', level) + " " + line);
        }
    }

    public void Paragraph(string paragraph)
    {
        var body = Inline(paragraph);
        if (body.Length > 0)
        {
            Add(DocumentBlockKind.Paragraph, 0, body);
        }
    }

    /// <summary>A paragraph written as it is (a code block): only line endings and trailing blanks are tidied.</summary>
    public void Preformatted(string body)
    {
        var lines = body.ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimEnd());
        var joined = string.Join('\n', lines).Trim('\n');
        if (joined.Length > 0)
        {
            Add(DocumentBlockKind.Paragraph, 0, "```\n" + joined + "\n```");
        }
    }

    /// <summary>A list item at <paramref name="depth"/> (0 outermost): <c>- </c>, or <c>N. </c> when <paramref name="number"/> is set.</summary>
    public void ListItem(string item, int depth, int? number)
    {
        var body = Inline(item).Replace("\n", "\n" + new string(' ', (depth + 1) * 2), StringComparison.Ordinal);
        if (body.Length > 0)
        {
            var marker = number is { } n ? n.ToString(CultureInfo.InvariantCulture) + ". " : "- ";
            // A bulleted list straight after a numbered one (or the other way) is a new list: a blank line between.
            var newList = depth == 0 && (number is not null) != lastItemNumbered;
            lastItemNumbered = number is not null;
            Add(DocumentBlockKind.ListItem, depth + 1, new string(' ', depth * 2) + marker + body, newList);
        }
    }

    /// <summary>A Markdown table; the first row is its header, short rows are padded, <c>|</c> in cells escaped.</summary>
    public void Table(IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var cells = rows.Select(r => r.Select(c => Inline(c).Replace('\n', ' ').Replace("|", "\\|", StringComparison.Ordinal)).ToList())
            .Where(r => r.Any(c => c.Length > 0))
            .ToList();
        if (cells.Count == 0)
        {
            return;
        }

        var columns = cells.Max(r => r.Count);
        var table = new StringBuilder();
        for (var i = 0; i < cells.Count; i++)
        {
            var row = cells[i];
            table.Append('|');
            for (var c = 0; c < columns; c++)
            {
                table.Append(' ').Append(c < row.Count ? row[c] : string.Empty).Append(" |");
            }

            if (i == 0)
            {
                table.Append('\n').Append('|').Insert(table.Length, " --- |", columns);
            }

            if (i < cells.Count - 1)
            {
                table.Append('\n');
            }

            CheckLimit(table.Length);
        }

        Add(DocumentBlockKind.Table, 0, table.ToString());
    }

    public void Warn(string warning) => warnings.Add(warning);

    public ExtractedDocument Build(DocumentKind kind, IDocumentExtractor extractor, int pageCount, string pageUnit)
    {
        if (text.Length > 0)
        {
            text.Append('\n');
        }

        return new ExtractedDocument
        {
            Text = text.ToString(),
            Blocks = blocks,
            Kind = kind,
            Extractor = extractor.Id,
            PageCount = pageCount,
            PageUnit = pageUnit,
            Warnings = warnings,
        };
    }

    /// <summary>Whitespace runs become one space, line breaks stay single, and the ends are trimmed.</summary>
    internal static string Inline(string value)
    {
        var result = new StringBuilder(value.Length);
        var pendingSpace = false;
        var pendingBreak = false;
        foreach (var ch in value)
        {
            if (ch is '\n' or '\r' or '\u2028' or '\u2029' or '\v')
            {
                pendingBreak = result.Length > 0;
                pendingSpace = false;
            }
            else if (ch == '\u00AD')
            {
                // A soft hyphen only says where a word may break.
            }
            else if (char.IsWhiteSpace(ch) || char.IsControl(ch))
            {
                pendingSpace = result.Length > 0;
            }
            else
            {
                if (pendingBreak)
                {
                    result.Append('\n');
                }
                else if (pendingSpace)
                {
                    result.Append(' ');
                }

                pendingBreak = pendingSpace = false;
                result.Append(ch);
            }
        }

        return result.ToString();
    }

    private void Add(DocumentBlockKind kind, int level, string body, bool newList = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var consecutiveItem = kind == DocumentBlockKind.ListItem && !newList && blocks.Count > 0 && blocks[^1].Kind == DocumentBlockKind.ListItem;
        if (text.Length > 0)
        {
            text.Append(consecutiveItem ? "\n" : "\n\n");
        }

        CheckLimit(body.Length);
        blocks.Add(new DocumentBlock(kind, level, Page, text.Length, body.Length));
        text.Append(body);
    }

    private void CheckLimit(int adding)
    {
        if (text.Length + adding > limits.MaxOutputChars)
        {
            throw DocumentException.OverLimit(string.Create(CultureInfo.InvariantCulture, $"document over {limits.MaxOutputChars:N0} characters of text"));
        }
    }
}

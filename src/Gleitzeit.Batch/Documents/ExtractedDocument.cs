namespace Gleitzeit.Batch.Documents;

/// <summary>
/// What the model receives from a document (<see cref="Text"/>: Markdown-like, <c>\n</c> line endings, the same for the
/// same bytes on every machine) and the structure to split it on (<see cref="Blocks"/>, in text order).
/// </summary>
public sealed record ExtractedDocument
{
    /// <summary>The text sent to the model.</summary>
    public required string Text { get; init; }

    /// <summary>Headings, page breaks, paragraphs and tables, each a range of <see cref="Text"/>, in order; blocks never overlap and never start or end mid-word.</summary>
    public required IReadOnlyList<DocumentBlock> Blocks { get; init; }

    /// <summary>What it was read as.</summary>
    public required DocumentKind Kind { get; init; }

    /// <summary>The extractor's name and version, e.g. <c>pdfpig/0.1.16+1</c> (<see cref="IDocumentExtractor.Id"/>).</summary>
    public required string Extractor { get; init; }

    /// <summary>Pages (PDF; DOCX from its saved page count, else its hard page breaks + 1), slides (PPTX), sheets extracted (XLSX); 1 for HTML.</summary>
    public required int PageCount { get; init; }

    /// <summary>What <see cref="PageCount"/> counts: <c>page</c>, <c>slide</c> or <c>sheet</c>.</summary>
    public required string PageUnit { get; init; }

    /// <summary>What was left out or could be wrong (a page without text, a hidden sheet skipped), one line each.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>One structural piece of an <see cref="ExtractedDocument"/>: its kind, heading level, page and range of the text.</summary>
/// <param name="Kind">Heading, page break, paragraph, list item or table.</param>
/// <param name="Level">A heading's level, 1–6 (the count of <c>#</c>); a list item's nesting depth + 1; otherwise 0.</param>
/// <param name="Page">The page, slide or sheet it is on (1-based); 0 where the format has none (HTML, DOCX).</param>
/// <param name="Start">Where it starts in <see cref="ExtractedDocument.Text"/>.</param>
/// <param name="Length">Its length in characters (without the blank line that separates it from the next block).</param>
public readonly record struct DocumentBlock(DocumentBlockKind Kind, int Level, int Page, int Start, int Length);

/// <summary>The kinds of <see cref="DocumentBlock"/>.</summary>
public enum DocumentBlockKind
{
    /// <summary>A heading: <c>#</c> × level, a space, the title.</summary>
    Heading,

    /// <summary>The start of a page: the line <c>&lt;!-- page N --&gt;</c>.</summary>
    PageBreak,

    /// <summary>A paragraph, a code block, a quotation or speaker notes.</summary>
    Paragraph,

    /// <summary>A Markdown table (first row the header; <c>|</c> in cells escaped).</summary>
    Table,

    /// <summary>A list item: <c>- </c> or <c>N. </c>, indented two spaces a level.</summary>
    ListItem,
}

using Gleitzeit.Batch.Documents;

namespace Gleitzeit.Batch.Execution;

/// <summary>One part of a split document: its text and how the model is told which part it reads.</summary>
/// <param name="Text">The part's text (whole blocks; a block too long alone is cut between words).</param>
/// <param name="Label">Where it stands in the document (<c>pages 5–8</c>, or the heading it starts with), stable when other parts change.</param>
internal sealed record DocumentPart(string Text, string Label);

/// <summary>
/// Splits a document too long for the window into parts on its structure: units start at a page or a heading of
/// level 1–2; units are packed into parts up to the token budget; a unit too long alone is split between blocks, and a
/// block too long alone between words. So that editing one chapter re-sends only that chapter's part, packing restarts
/// at anchor units (every fourth page, or a heading whose text hashes so): a change moves part boundaries only up to the
/// next anchor, and an edit that keeps a page's size moves none.
/// </summary>
internal static class DocumentParts
{
    private const int AnchorEvery = 4;

    public static IReadOnlyList<DocumentPart> Split(ExtractedDocument document, int budgetTokens, Func<string, int> tokens)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(tokens);
        budgetTokens = Math.Max(budgetTokens, 64);
        var pieces = new List<Piece>();
        foreach (var unit in Units(document))
        {
            if (tokens(unit.Text) <= budgetTokens)
            {
                pieces.Add(unit);
                continue;
            }

            var first = true;
            foreach (var text in Smaller(document, unit, budgetTokens, tokens))
            {
                pieces.Add(unit with { Text = text, Anchor = unit.Anchor && first });
                first = false;
            }
        }

        var parts = new List<DocumentPart>();
        var current = new List<Piece>();
        var currentTokens = 0;
        foreach (var piece in pieces)
        {
            var size = tokens(piece.Text);
            if (current.Count > 0 && (piece.Anchor || currentTokens + size > budgetTokens))
            {
                parts.Add(Part(current));
                current.Clear();
                currentTokens = 0;
            }

            current.Add(piece);
            currentTokens += size + 1;
        }

        if (current.Count > 0)
        {
            parts.Add(Part(current));
        }

        return parts;
    }

    private static DocumentPart Part(List<Piece> pieces)
    {
        var text = string.Join("\n\n", pieces.Select(p => p.Text));
        var first = pieces[0];
        var last = pieces[^1];
        var label = first.Page > 0
            ? first.Page == last.Page ? $"page {first.Page}" : $"pages {first.Page}–{last.Page}"
            : first.Heading is { } heading ? $"from \"{heading}\"" : "from the start";
        return new DocumentPart(text, label);
    }

    // Units: from one page break or level 1–2 heading to the next.
    private static IEnumerable<Piece> Units(ExtractedDocument document)
    {
        var starts = new List<(int Index, DocumentBlock Block)>();
        for (var i = 0; i < document.Blocks.Count; i++)
        {
            var block = document.Blocks[i];
            if (i == 0 || block.Kind == DocumentBlockKind.PageBreak || (block.Kind == DocumentBlockKind.Heading && block.Level <= 2 && document.Blocks[i - 1].Kind != DocumentBlockKind.PageBreak))
            {
                starts.Add((i, block));
            }
        }

        if (starts.Count == 0)
        {
            if (document.Text.Trim().Length > 0)
            {
                yield return new Piece(document.Text.Trim(), 0, null, true, 0, 0);
            }

            yield break;
        }

        for (var s = 0; s < starts.Count; s++)
        {
            var from = starts[s].Index;
            var to = s + 1 < starts.Count ? starts[s + 1].Index : document.Blocks.Count;
            var start = document.Blocks[from].Start;
            var end = to < document.Blocks.Count ? document.Blocks[to].Start : document.Text.Length;
            var text = document.Text[start..end].Trim();
            if (text.Length == 0)
            {
                continue;
            }

            var block = starts[s].Block;
            var heading = block.Kind == DocumentBlockKind.Heading ? document.Text.Substring(block.Start, block.Length).TrimStart('#', ' ') : null;
            var anchor = block.Kind == DocumentBlockKind.PageBreak
                ? (block.Page - 1) % AnchorEvery == 0
                : heading is not null && (StableHash(heading) % AnchorEvery) == 0;
            yield return new Piece(text, block.Page, heading, anchor, from, to);
        }
    }

    private static IEnumerable<string> Smaller(ExtractedDocument document, Piece unit, int budget, Func<string, int> tokens)
    {
        var current = new List<string>();
        var currentTokens = 0;
        for (var i = unit.FromBlock; i < unit.ToBlock; i++)
        {
            var block = document.Blocks[i];
            var text = document.Text.Substring(block.Start, block.Length).Trim();
            if (text.Length == 0)
            {
                continue;
            }

            var size = tokens(text);
            if (current.Count > 0 && currentTokens + size > budget)
            {
                yield return string.Join("\n\n", current);
                current.Clear();
                currentTokens = 0;
            }

            if (size > budget)
            {
                foreach (var words in ByWords(text, budget, tokens))
                {
                    yield return words;
                }

                continue;
            }

            current.Add(text);
            currentTokens += size + 1;
        }

        if (current.Count > 0)
        {
            yield return string.Join("\n\n", current);
        }
    }

    // A block too long alone: cut between words, never inside one.
    private static IEnumerable<string> ByWords(string text, int budget, Func<string, int> tokens)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var start = 0;
        while (start < words.Length)
        {
            var count = Math.Max(1, Math.Min(words.Length - start, budget / 2));
            while (count > 1 && tokens(string.Join(' ', words, start, count)) > budget)
            {
                count = Math.Max(1, count * 3 / 4);
            }

            yield return string.Join(' ', words, start, count);
            start += count;
        }
    }

    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    private sealed record Piece(string Text, int Page, string? Heading, bool Anchor, int FromBlock, int ToBlock);
}

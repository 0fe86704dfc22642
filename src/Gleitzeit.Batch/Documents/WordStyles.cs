using System.Globalization;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Gleitzeit.Batch.Documents;

/// <summary>What a Word paragraph's style and numbering make it: a heading of a level, a list item, or body text.</summary>
internal sealed class WordStyles
{
    private const int MaxStyleChain = 16;

    private readonly Dictionary<string, Style> styles;
    private readonly Dictionary<int, AbstractNum> numbering = [];
    private readonly Dictionary<(int NumId, int Level), int> counters = [];

    public WordStyles(MainDocumentPart main)
    {
        styles = (main.StyleDefinitionsPart?.Styles?.Elements<Style>() ?? [])
            .Where(s => s.StyleId?.Value is not null)
            .GroupBy(s => s.StyleId!.Value!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var definitions = main.NumberingDefinitionsPart?.Numbering;
        if (definitions is not null)
        {
            var abstracts = definitions.Elements<AbstractNum>()
                .Where(a => a.AbstractNumberId?.Value is not null)
                .GroupBy(a => a.AbstractNumberId!.Value)
                .ToDictionary(g => g.Key, g => g.First());
            foreach (var instance in definitions.Elements<NumberingInstance>())
            {
                if (instance.NumberID?.Value is { } id && instance.AbstractNumId?.Val?.Value is { } abstractId && abstracts.TryGetValue(abstractId, out var a))
                {
                    numbering[id] = a;
                }
            }
        }
    }

    /// <summary>1–6 for Title and Heading N styles or an outline level; null for anything else.</summary>
    public int? HeadingLevel(Paragraph paragraph)
    {
        if (paragraph.ParagraphProperties?.OutlineLevel?.Val?.Value is { } own && own < 9)
        {
            return Math.Min(own + 1, 6);
        }

        var id = paragraph.ParagraphProperties?.ParagraphStyleId?.Val?.Value;
        for (var depth = 0; id is not null && depth < MaxStyleChain && styles.TryGetValue(id, out var style); depth++)
        {
            var name = style.StyleName?.Val?.Value ?? id;
            if (name.Equals("Title", StringComparison.OrdinalIgnoreCase))
            {
                return 1;
            }

            if (name.StartsWith("heading ", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(name.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 9)
            {
                return Math.Min(n, 6);
            }

            if (style.StyleParagraphProperties?.OutlineLevel?.Val?.Value is { } level && level < 9)
            {
                return Math.Min(level + 1, 6);
            }

            id = style.BasedOn?.Val?.Value;
        }

        return null;
    }

    /// <summary>The list depth and, for a numbered list, the item's number; null when the paragraph is not in a list.</summary>
    public (int Depth, int? Number)? ListItem(Paragraph paragraph)
    {
        var properties = paragraph.ParagraphProperties?.NumberingProperties ?? StyleNumbering(paragraph);
        if (properties?.NumberingId?.Val?.Value is not { } numId || numId == 0 || !numbering.TryGetValue(numId, out var definition))
        {
            return null;
        }

        var depth = Math.Clamp(properties.NumberingLevelReference?.Val?.Value ?? 0, 0, 8);
        var format = definition.Elements<Level>().FirstOrDefault(l => l.LevelIndex?.Value == depth)?.NumberingFormat?.Val?.Value;
        foreach (var deeper in counters.Keys.Where(k => k.NumId == numId && k.Level > depth).ToList())
        {
            counters.Remove(deeper);
        }

        if (format is null || format == NumberFormatValues.Bullet || format == NumberFormatValues.None)
        {
            return (depth, null);
        }

        var number = counters.GetValueOrDefault((numId, depth)) + 1;
        counters[(numId, depth)] = number;
        return (depth, number);
    }

    private NumberingProperties? StyleNumbering(Paragraph paragraph)
    {
        var id = paragraph.ParagraphProperties?.ParagraphStyleId?.Val?.Value;
        for (var depth = 0; id is not null && depth < MaxStyleChain && styles.TryGetValue(id, out var style); depth++)
        {
            if (style.StyleParagraphProperties?.NumberingProperties is { } numbering)
            {
                return numbering;
            }

            id = style.BasedOn?.Val?.Value;
        }

        return null;
    }
}

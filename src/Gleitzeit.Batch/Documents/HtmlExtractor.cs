using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace Gleitzeit.Batch.Documents;

/// <summary>
/// HTML pages with AngleSharp: the main content (<c>&lt;main&gt;</c>, else the one <c>&lt;article&gt;</c>, else the
/// body) without scripts, styles, navigation, headers, footers, asides and forms; headings as <c>#</c>, lists, tables as
/// Markdown tables, <c>&lt;pre&gt;</c> as code blocks, links as their text. The charset comes from the BOM or a meta tag.
/// </summary>
public sealed class HtmlExtractor : IDocumentExtractor
{
    private const string Dropped = "script, style, noscript, template, nav, header, footer, aside, form, button, select, textarea, iframe, svg, canvas, object, [hidden], [aria-hidden=true], " + Navigation;

    // What documentation generators put around a page's text: texinfo's "Next: … Previous: … Up:" div.header and
    // div.nav-panel, DocBook's navheader/navfooter (and valgrind's table.nav), Sphinx's related bar and sidebar, ARIA
    // landmarks, breadcrumbs. Compared with SmartReader's readability on Debian's HTML manuals, dropping these gave the
    // same main text and kept headings, lists and code blocks, which readability's plain text loses.
    private const string Navigation = "[role=navigation], [role=banner], [role=contentinfo], [role=search], div.header, div.nav-panel, div.navheader, div.navfooter, table.nav, div.related, div.sphinxsidebar, .breadcrumb, .breadcrumbs";

    public string Name => "anglesharp";

    public string Version => "1.10.4+2";

    public ExtractedDocument Extract(ReadOnlyMemory<byte> content, DocumentLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        using var stream = new ReadOnlyMemoryStream(content);
        var parser = new HtmlParser(new HtmlParserOptions { IsScripting = false });
        using var document = parser.ParseDocument(stream);
        cancellationToken.ThrowIfCancellationRequested();
        var articles = document.QuerySelectorAll("article");
        var main = document.QuerySelector("main") ?? (articles.Length == 1 ? articles[0] : null) ?? document.Body ?? document.DocumentElement;
        foreach (var element in main.QuerySelectorAll(Dropped).ToList())
        {
            element.Remove();
        }

        var writer = new DocumentWriter(limits, cancellationToken);
        if (main.QuerySelector("h1") is null && !string.IsNullOrWhiteSpace(document.Title))
        {
            writer.Heading(1, document.Title);
        }

        var walker = new HtmlWalker(writer);
        walker.Block(main, 0);
        walker.End();
        return writer.Build(DocumentKind.Html, this, 1, "page");
    }
}

/// <summary>Walks an element tree, gathering inline text and writing a block wherever a block element starts or ends.</summary>
internal sealed class HtmlWalker(DocumentWriter writer)
{
    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "section", "article", "main", "body", "html", "blockquote", "figure", "figcaption", "dl", "dt", "dd",
        "address", "details", "summary", "center", "hr", "fieldset", "caption",
    };

    private readonly StringBuilder inline = new();

    public void Block(INode node, int listDepth)
    {
        foreach (var child in node.ChildNodes)
        {
            if (child is IText text)
            {
                inline.Append(Spaced(text.Data));
                continue;
            }

            if (child is not IElement element)
            {
                continue;
            }

            var tag = element.LocalName;
            switch (tag)
            {
                case "h1" or "h2" or "h3" or "h4" or "h5" or "h6":
                    Flush();
                    writer.Heading(tag[1] - '0', element.TextContent);
                    break;
                case "br":
                    inline.Append('\n');
                    break;
                case "pre":
                    Flush();
                    writer.Preformatted(element.TextContent);
                    break;
                case "ul" or "ol":
                    Flush();
                    List(element, listDepth);
                    break;
                case "table":
                    Flush();
                    writer.Table(element.QuerySelectorAll("tr")
                        .Where(r => r.Closest("table") == element)
                        .Select(r => (IReadOnlyList<string>)r.Children.Where(c => c.LocalName is "td" or "th").Select(c => c.TextContent).ToList())
                        .ToList());
                    break;
                case "img":
                    break;
                default:
                    if (Blocks.Contains(tag) || element is IHtmlListItemElement)
                    {
                        Flush();
                        Block(element, listDepth);
                        Flush();
                    }
                    else
                    {
                        Block(element, listDepth);
                    }

                    break;
            }
        }
    }

    private void List(IElement list, int depth)
    {
        var number = list.LocalName == "ol" ? (list is IHtmlOrderedListElement { Start: > 0 } ol ? ol.Start : 1) : (int?)null;
        foreach (var item in list.Children.Where(c => c.LocalName == "li"))
        {
            var nested = item.Children.Where(c => c.LocalName is "ul" or "ol").ToList();
            foreach (var n in nested)
            {
                n.Remove();
            }

            writer.ListItem(Spaced(item.TextContent), depth, number);
            number++;
            foreach (var n in nested)
            {
                List(n, depth + 1);
            }
        }
    }

    private void Flush()
    {
        if (inline.Length > 0)
        {
            writer.Paragraph(inline.ToString());
            inline.Clear();
        }
    }

    public void End() => Flush();

    // In HTML a line break in the source is a space; only <br> breaks a line.
    private static string Spaced(string text) => text.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' ');
}

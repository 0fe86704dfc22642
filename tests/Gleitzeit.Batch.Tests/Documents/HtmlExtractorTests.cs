using System.Diagnostics;
using System.Text;
using Gleitzeit.Batch.Documents;

namespace Gleitzeit.Batch.Tests.Documents;

public sealed class HtmlExtractorTests
{
    [Fact]
    public void Page_GivesItsMainContent_WithoutScriptsStylesOrNavigation()
    {
        var html = """
            <!doctype html><html><head><title>Hut guide</title><style>p { color: red }</style><script>track()</script></head>
            <body><nav><a href="/">Home</a> | <a href="/huts">Huts</a></nav><header>Site banner</header>
            <main><h1>Huts &amp; shelters</h1><p>Three huts are open <b>all</b>
            year.</p><ul><li>Upper hut<ul><li>12 beds</li></ul></li><li>Lower hut</li></ul>
            <table><tr><th>Hut</th><th>Beds</th></tr><tr><td>Upper</td><td>12</td></tr><tr><td>A|B</td><td>4</td></tr></table>
            <form><input name=q><button>Search</button></form><pre>  ssh  hut@example
              ls</pre></main>
            <aside>Advert</aside><footer>© 2026 the club</footer></body></html>
            """;
        var document = DocumentExtractors.Extract(DocumentFiles.Html(html))!;

        Assert.Equal("anglesharp/1.10.4+2", document.Extractor);
        Assert.Equal(
            "# Huts & shelters\n\nThree huts are open all year.\n\n- Upper hut\n  - 12 beds\n- Lower hut\n\n| Hut | Beds |\n| --- | --- |\n| Upper | 12 |\n| A\\|B | 4 |\n\n```\n  ssh  hut@example\n  ls\n```\n",
            document.Text);
    }

    [Fact]
    public void RealTexinfoPage_GivesItsTitleAndText()
    {
        var document = DocumentExtractors.Extract(DocumentFiles.Read("libffi-introduction.html"))!;
        Assert.Contains("## 1 What is libffi?\n\nCompilers for high level languages generate code that follow certain conventions.", document.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("<", document.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Next:", document.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void GeneratorsNavigationBars_AreDropped()
    {
        var html = """
            <html><head><title>Manual</title></head><body>
            <div class="header"><p>Next: <a href="b.html" rel="next">Usage</a>, Up: <a href="index.html" rel="up">Top</a></p></div>
            <div class="navheader"><table><tr><td><a href="a.html">Prev</a></td></tr></table></div>
            <table class="nav" summary="Navigation header"><tr><td><a href="index.html">Up</a></td></tr></table>
            <div class="related" role="navigation"><ul><li><a href="genindex.html">index</a></li></ul></div>
            <h1>Install</h1><p>Run the installer.</p>
            <div class="sphinxsidebar"><h3>Quick search</h3></div>
            <div class="navfooter"><a href="b.html">Next chapter</a></div></body></html>
            """;
        var document = DocumentExtractors.Extract(DocumentFiles.Html(html))!;

        Assert.Equal("# Install\n\nRun the installer.\n", document.Text);
    }

    [Fact]
    public void Latin1Page_IsDecodedByItsMetaCharset()
    {
        var bytes = Encoding.Latin1.GetBytes("<html><head><meta charset=\"iso-8859-1\"></head><body><p>Caf\u00e9 cr\u00e8me</p></body></html>");
        Assert.Equal("Café crème\n", DocumentExtractors.Extract(bytes)!.Text);
    }

    [Fact]
    public void HugePage_StopsAtTheCharacterLimit()
    {
        var html = new StringBuilder("<html><body>");
        for (var i = 0; i < 100_000; i++)
        {
            html.Append("<p>A line of text that repeats.</p>");
        }

        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<DocumentException>(() =>
            DocumentExtractors.Extract(Encoding.UTF8.GetBytes(html.ToString()), limits: new DocumentLimits { MaxOutputChars = 100_000 }));
        Assert.Equal(DiagnosticCodes.DocumentOverLimit, error.Code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), watch.Elapsed.ToString());
    }
}

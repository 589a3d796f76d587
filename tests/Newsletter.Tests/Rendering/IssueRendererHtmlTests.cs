using System.Text;
using System.Text.RegularExpressions;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Rendering;

[Collection(RenderingCollection.Name)]
public sealed class IssueRendererHtmlTests(RenderingFixture fixture)
{
    private string Html => fixture.SampleContent.Html;

    [Fact]
    public void RenderAsync_ShowsEveryStoryTitle_InHtml()
    {
        foreach (var story in SampleIssue.Build().AllStories.Where(s => s.Title != ""))
            Assert.Contains(DecodeQuotes(System.Net.WebUtility.HtmlEncode(story.Title)), Html);
    }

    [Fact]
    public async Task RenderAsync_EscapesStoryTitle_WhenItContainsScriptTag()
    {
        var issue = SampleIssue.Build(s => s.Slug == "amd-mi355x-1m" ? s with { Title = "AMD <script>alert(1)</script> wins" } : s);

        var html = (await fixture.RenderAsync(issue)).Personalise(null, "https://x.test/u").Html;

        Assert.DoesNotContain("<script>", html);
        Assert.Contains("AMD &lt;script&gt;alert(1)&lt;/script&gt; wins", html);
    }

    [Fact]
    public async Task RenderAsync_TurnsSummaryMarkdownIntoHtml_WhenSummaryHasBoldAndLink()
    {
        var issue = SampleIssue.Build(s => s.Slug == "amd-mi355x-1m"
            ? s with { SummaryMarkdown = "It is **really fast**, see [the results](https://mlcommons.org/results)." }
            : s);

        var html = (await fixture.RenderAsync(issue)).Personalise(null, "https://x.test/u").Html;

        Assert.Matches(@"<strong[^>]*>really fast</strong>", html);
        Assert.Matches(@"<a href=""https://mlcommons.org/results""[^>]*>the results</a>", html);
    }

    [Fact]
    public async Task RenderAsync_ShowsRawHtmlInSummaryAsText_WhenSummaryMarkdownContainsTags()
    {
        var issue = SampleIssue.Build(s => s.Slug == "amd-mi355x-1m" ? s with { SummaryMarkdown = "Fast <img src=x onerror=alert(1)> chips" } : s);

        var html = (await fixture.RenderAsync(issue)).Personalise(null, "https://x.test/u").Html;

        Assert.DoesNotContain("<img src=x", html);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html);
    }

    [Fact]
    public void RenderAsync_InlinesCss_IntoStyleAttributes()
    {
        // The card rule (.c) carries a border; after inlining, the card cells carry it themselves.
        Assert.Matches(@"<td class=""c"" style=""[^""]*border: 1px solid #e4e4e7", Html);
    }

    [Fact]
    public void RenderAsync_KeepsMediaQueries_InStyleBlock()
    {
        var style = Regex.Match(Html, "<style>(.*?)</style>", RegexOptions.Singleline).Groups[1].Value;

        Assert.Contains("@media only screen and (max-width:600px)", style);
        Assert.Contains("@media (prefers-color-scheme:dark)", style);
    }

    [Fact]
    public void RenderAsync_IncludesHiddenPreheader()
    {
        Assert.Matches(@"<div style=""display:none;[^""]*"">Open models got scary good, inference hardware", Html);
    }

    [Fact]
    public void RenderAsync_IncludesColorSchemeMetaTags()
    {
        Assert.Contains(@"<meta name=""color-scheme"" content=""light dark"">", Html);
        Assert.Contains(@"<meta name=""supported-color-schemes"" content=""light dark"">", Html);
    }

    [Fact]
    public void RenderAsync_WrapsColumnInMsoGhostTable()
    {
        Assert.Contains(@"<!--[if mso]><table role=""presentation"" width=""600""", Html);
    }

    [Fact]
    public void RenderAsync_LinksViewInBrowserUrl()
    {
        Assert.Contains(@"href=""https://news.example.org/issues/12""", Html);
    }

    [Fact]
    public void RenderAsync_KeepsSampleIssueHtmlUnder90KB()
    {
        Assert.InRange(Encoding.UTF8.GetByteCount(Html), 1, 90 * 1024);
    }

    // The serializer writes quotes in text content as they are.
    private static string DecodeQuotes(string html) => html.Replace("&quot;", "\"").Replace("&#39;", "'");
}

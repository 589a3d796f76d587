using System.Text;
using System.Text.RegularExpressions;
using Newsletter.Core.Stories;
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
    public async Task RenderAsync_ShowsTitleUnlinked_WhenStoredStoryUrlIsNotHttpOrHttps()
    {
        var issue = SampleIssue.Build(s => s.Slug == "amd-mi355x-1m" ? s with { Url = new Uri("javascript:alert(document.domain)") } : s);

        var rendered = await fixture.RenderAsync(issue);

        Assert.DoesNotContain("javascript:", rendered.Personalise(null, "https://x.test/u").Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", rendered.Personalise(null, "https://x.test/u").Text, StringComparison.OrdinalIgnoreCase);
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
    public async Task RenderAsync_KeepsFifteenStoryIssueHtmlUnder90KB()
    {
        // A busy week: the sample's 9 stories plus 6 more news items, each with a two-paragraph summary and a takeaway.
        // Gmail clips HTML above about 102 KB; 90 KB leaves room for long names and URLs.
        var sample = SampleIssue.Build();
        var extra = SampleIssue.News().Concat(SampleIssue.News()).Take(6).Select((s, i) => s with
        {
            Slug = $"{s.Slug}-extra-{i}",
            Title = s.Title + " (follow-up)",
            SummaryMarkdown = s.SummaryMarkdown + "\n\n" + s.SummaryMarkdown,
            Takeaway = s.Takeaway ?? "Worth a second look this week.",
        }).ToList();
        var news = sample.Sections[0];
        var issue = sample with { Sections = [news with { Stories = [.. news.Stories, .. extra] }, .. sample.Sections.Skip(1)] };
        Assert.Equal(15, issue.AllStories.Count(s => s.Section is not StorySection.Intro and not StorySection.Closing));

        var html = (await fixture.RenderAsync(issue)).Personalise("Katherine Johnson", "https://news.example.org/unsubscribe/" + new string('t', 120)).Html;

        Assert.InRange(Encoding.UTF8.GetByteCount(html), 1, 90 * 1024);
    }

    [Fact]
    public void RenderAsync_FooterSaysWhyWithListNameUnsubscribeViewInBrowserAndAddress()
    {
        var footer = Html[Html.LastIndexOf("You are receiving", StringComparison.Ordinal)..];

        Assert.Contains("You are receiving Tensor Weekly because you subscribed to the list", footer);
        Assert.Contains("Tensor Weekly (ML practitioners)", footer);
        Assert.Matches(@"<a href=""https://news.example.org/unsubscribe/abc123\?list=weekly&amp;sig=x""[^>]*>Unsubscribe with one click</a>", footer);
        Assert.Matches(@"<a href=""https://news.example.org/issues/12""[^>]*>View in browser</a>", footer);
        Assert.Contains("12 Example Street, 1000 Brussels, Belgium", footer);
    }

    [Fact]
    public async Task RenderAsync_GivesLogoItsNameAsAltText_WhenLogoUrlIsSet()
    {
        var renderer = new Newsletter.Rendering.IssueRenderer(
            new Newsletter.Rendering.TemplateEngine(
                Microsoft.Extensions.Options.Options.Create(new Newsletter.Rendering.RenderingOptions { TemplatesDirectory = RepoPaths.Templates })),
            Microsoft.Extensions.Options.Options.Create(new Newsletter.Rendering.BrandingOptions { Name = "Tensor Weekly", LogoUrl = "https://news.example.org/logo.png" }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Newsletter.Rendering.IssueRenderer>.Instance);

        var html = (await renderer.RenderAsync(SampleIssue.Build(), RenderingFixture.Context, CancellationToken.None)).Personalise(null, "https://x.test/u").Html;

        Assert.Matches(@"<img src=""https://news.example.org/logo.png"" alt=""Tensor Weekly""", html);
    }

    [Fact]
    public void RenderAsync_DerivesDarkModeColoursFromTheAccent()
    {
        // #4f46e5 mixed 55% into white (#9e99f1): a light indigo that reads on the dark background (about 6.6:1).
        Assert.Contains("a,h2,.b,.ar{color:#9e99f1 !important}", Html);
    }

    // The serializer writes quotes in text content as they are.
    private static string DecodeQuotes(string html) => html.Replace("&quot;", "\"").Replace("&#39;", "'");
}

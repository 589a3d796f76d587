using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Core.Stories;
using Newsletter.OperatorFiles.Stories;
using Newsletter.Rendering;
using Newsletter.Tests.Rendering;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Browser;

/// <summary>The sample week (the repository's stories/ folder, the real templates) in headless Chromium at a true 375 px viewport.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class PhoneWidthTests(ChromiumFixture browser, RenderingFixture rendering)
{
    private const int Phone = 375;
    private const int TestTimeout = 120_000;

    // What the page reports: how wide the document and the email's column are, and the text a reader sees.
    private const string Measure = """
        JSON.stringify({
          scrollWidth: document.documentElement.scrollWidth,
          bodyScrollWidth: document.body.scrollWidth,
          viewport: window.innerWidth,
          column: Math.ceil(document.querySelector('table.w').getBoundingClientRect().right),
          text: document.body.innerText
        })
        """;

    [Fact(Timeout = TestTimeout)]
    public async Task SampleIssue_IsNoWiderThanA375PxViewport()
    {
        var page = await LoadAsync(await RenderSampleWeekAsync());

        Assert.Equal(Phone, page.GetProperty("viewport").GetInt32());
        Assert.InRange(page.GetProperty("scrollWidth").GetInt32(), 1, Phone);
        Assert.InRange(page.GetProperty("bodyScrollWidth").GetInt32(), 1, Phone);
        Assert.InRange(page.GetProperty("column").GetInt32(), 1, Phone);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SampleIssue_ShowsEveryStoryTitle_At375Px()
    {
        var issue = SampleWeek();
        var page = await LoadAsync(await RenderAsync(issue));

        var text = Normalise(page.GetProperty("text").GetString()!);
        var titles = issue.AllStories.Where(s => s.Section != StorySection.Closing).Select(s => s.Title).ToList();
        Assert.True(titles.Count >= 8, $"expected the sample week's stories, found {titles.Count}");
        Assert.All(titles, title => Assert.Contains(Normalise(title), text));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Issue_IsNoWiderThanA375PxViewport_WhenASummaryHasALongUnbrokenUrlAndCode()
    {
        var issue = SampleWeek();
        var longToken = "https://example.com/" + string.Concat(Enumerable.Repeat("a-very-long-path-segment/", 8));
        var featured = issue.Featured with
        {
            Title = "Supercalifragilisticexpialidocious" + new string('x', 40),
            SummaryMarkdown = $"See {longToken} and `{new string('y', 80)}` for details.",
        };
        var page = await LoadAsync(await RenderAsync(issue with { Featured = featured }));

        Assert.InRange(page.GetProperty("scrollWidth").GetInt32(), 1, Phone);
    }

    private async Task<JsonElement> LoadAsync(string html)
    {
        var json = await browser.Chromium.EvaluateAsync(html, Phone, Measure, CancellationToken.None);
        return JsonDocument.Parse(json.GetString()!).RootElement;
    }

    private Task<string> RenderSampleWeekAsync() => RenderAsync(SampleWeek());

    private async Task<string> RenderAsync(Issue issue) =>
        (await rendering.RenderAsync(issue)).Personalise("Ada Lovelace", "https://news.example.org/unsubscribe/abc123").Html;

    /// <summary>The issue <c>publish --date 2026-04-06</c> composes from the repository's stories/ folder.</summary>
    private static Issue SampleWeek()
    {
        var stories = Directory.GetFiles(Path.Combine(RepoPaths.Root, "stories"), "*.md")
            .Select(path => StoryFileParser.Parse(File.ReadAllText(path), path))
            .ToList();
        var composer = new IssueComposer(null!, null!, Options.Create(new IssueOptions()), TimeProvider.System);
        return composer.Compose(stories, new DateOnly(2026, 4, 6), number: 1);
    }

    private static string Normalise(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

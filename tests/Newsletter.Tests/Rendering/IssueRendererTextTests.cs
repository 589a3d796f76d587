using System.Text.RegularExpressions;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Rendering;

[Collection(RenderingCollection.Name)]
public sealed class IssueRendererTextTests(RenderingFixture fixture)
{
    private string Text => fixture.SampleContent.Text;

    [Fact]
    public void RenderAsync_ShowsEveryStoryTitle_InText()
    {
        var unwrapped = Regex.Replace(Text, @"\s+", " ");
        foreach (var story in SampleIssue.Build().AllStories.Where(s => s.Title != ""))
            Assert.Contains(story.Title, unwrapped, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void RenderAsync_KeepsTextLinesWithin72Columns_ExceptUnbreakableWords()
    {
        var lines = Text.Split('\n');
        // The sample's paragraphs are longer than a line, so wrapping at 72 fills some prose lines (three words or more, not a
        // "[n] URL" reference) close to 72: without this, text wrapped far too short (or not rendered at all) would pass,
        // since only lines over 72 are looked at below.
        Assert.Contains(lines, line => line.Length is > 64 and <= 72 && line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 3);
        foreach (var line in lines)
        {
            if (line.Length <= 72)
                continue;
            // Allowed only when what overflows is one unbreakable word (a URL), beside at most its "[n]" marker.
            var words = line.Trim().Split(' ');
            Assert.True(words.Length == 1 || (words.Length == 2 && Regex.IsMatch(words[0], @"^\[\d+\]$")), $"Line over 72 columns: '{line}'");
        }
    }

    [Fact]
    public void RenderAsync_ListsStoryUrlsAsNumberedReferences_InText()
    {
        foreach (var story in SampleIssue.Build().AllStories.Where(s => s.Url is not null))
            Assert.Matches($@"(?m)^\[\d+\] {Regex.Escape(story.Url!.AbsoluteUri)}$", Text);
    }

    [Fact]
    public void RenderAsync_ListsMarkdownLinksAsReferences_InText()
    {
        Assert.Matches(@"KAI Scheduler \[(\d+)\]", Text);
        Assert.Matches(@"(?m)^\[\d+\] https://github.com/NVIDIA/KAI-Scheduler$", Text);
    }

    [Fact]
    public void RenderAsync_UnderlinesSectionHeadings_InText()
    {
        Assert.Contains("Also This Week\n--------------\n", Text);
    }

    [Fact]
    public void RenderAsync_NumbersStoriesWithinSection_InText()
    {
        Assert.Contains("\n1. MLPerf Inference v6.0", Text);
        Assert.Contains("\n2. AMD MI355X Crosses 1M Tokens/Sec", Text);
    }

    [Fact]
    public async Task RenderAsync_DoesNotHtmlEncode_InText()
    {
        var issue = SampleIssue.Build(s => s.Slug == "amd-mi355x-1m" ? s with { Title = "R&D <fast> \"chips\"" } : s);

        var text = (await fixture.RenderAsync(issue)).Personalise(null, "https://x.test/u").Text;

        Assert.Contains("R&D <fast> \"chips\"", text);
    }
}

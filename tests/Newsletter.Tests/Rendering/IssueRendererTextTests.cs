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
        foreach (var line in Text.Split('\n'))
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

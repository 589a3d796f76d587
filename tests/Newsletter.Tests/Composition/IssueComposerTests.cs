using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Core.Stories;

namespace Newsletter.Tests.Composition;

public sealed class IssueComposerTests
{
    private static readonly DateOnly WeekEnding = new(2026, 4, 6);

    private static IssueComposer Composer(string subjectFormat = "#{Number}: {FeaturedTitle}") =>
        new(null!, null!, Options.Create(new IssueOptions { SubjectFormat = subjectFormat }), TimeProvider.System);

    private static Story News(string slug, int priority = 0, bool featured = false, string? takeaway = null, int day = 2) =>
        new(slug, StorySection.News, $"Title of {slug}", new DateOnly(2026, 4, day), "Source", null, $"Summary of {slug}", takeaway, featured, priority);

    [Fact]
    public void Compose_FeaturesTheFlaggedStory_WhenOneIsFlagged()
    {
        var issue = Composer().Compose([News("a", priority: 9), News("b", featured: true), News("c", priority: 5)], WeekEnding, 1);

        Assert.Equal("b", issue.Featured.Slug);
        Assert.DoesNotContain(issue.Sections.SelectMany(s => s.Stories), s => s.Slug == "b");
    }

    [Fact]
    public void Compose_FeaturesTheHighestPriorityNews_WhenNoneIsFlagged()
    {
        var issue = Composer().Compose([News("a", priority: 1), News("b", priority: 7), News("c", priority: 5)], WeekEnding, 1);

        Assert.Equal("b", issue.Featured.Slug);
    }

    [Fact]
    public void Compose_OrdersASectionByPriorityThenDate()
    {
        var issue = Composer().Compose(
            [News("featured", featured: true), News("late", priority: 1, day: 5), News("early", priority: 1, day: 1), News("top", priority: 3, day: 6)],
            WeekEnding, 1);

        var news = Assert.Single(issue.Sections);
        Assert.Equal(["top", "early", "late"], news.Stories.Select(s => s.Slug));
    }

    [Fact]
    public void Compose_PutsSectionsInIssueOrderAndLeavesOutEmptyOnes()
    {
        Story Of(string slug, StorySection section) => News(slug) with { Section = section };
        var issue = Composer().Compose(
            [Of("closing", StorySection.Closing), Of("paper", StorySection.Papers), News("featured", featured: true), News("news"), Of("intro", StorySection.Intro)],
            WeekEnding, 1);

        Assert.Equal(["Also This Week", "From the Lab", "Worth Reading"], issue.Sections.Select(s => s.Heading));
        Assert.Equal("intro", issue.Intro?.Slug);
    }

    [Fact]
    public void Compose_BuildsKeyTakeawaysFromStoriesInReadingOrder()
    {
        var issue = Composer().Compose(
            [News("second", priority: 1, takeaway: "Second point."), News("none", priority: 0), News("first", featured: true, takeaway: "First point.")],
            WeekEnding, 1);

        Assert.Equal(["First point.", "Second point."], issue.KeyTakeaways.Select(t => t.Text));
    }

    [Fact]
    public void Compose_FormatsTheSubjectFromConfig()
    {
        var issue = Composer("Issue {Number} ({WeekEnding}): {FeaturedTitle}").Compose([News("a", featured: true)], WeekEnding, 12);

        Assert.Equal("Issue 12 (6 April 2026): Title of a", issue.Subject);
    }

    [Fact]
    public void Compose_InsertsTheTitleAsText_WhenATitleHoldsSubjectPlaceholders()
    {
        var story = News("a", featured: true) with { Title = "Why {Number} and {WeekEnding} are not {FeaturedTitle}" };

        var issue = Composer("#{Number} ({WeekEnding}): {FeaturedTitle}").Compose([story], WeekEnding, 12);

        Assert.Equal("#12 (6 April 2026): Why {Number} and {WeekEnding} are not {FeaturedTitle}", issue.Subject);
    }

    [Fact]
    public void Compose_KeepsTheSubjectOnOneLine_WhenATitleHoldsLineBreaks()
    {
        var story = News("a", featured: true) with { Title = "Big news\r\nBcc: victim@example.com" };

        var issue = Composer().Compose([story], WeekEnding, 1);

        Assert.DoesNotContain('\r', issue.Subject);
        Assert.DoesNotContain('\n', issue.Subject);
    }

    [Fact]
    public void Compose_UsesTheIntroHeadlineAsPreheader_WhenTheWeekHasAnIntro()
    {
        var intro = News("intro") with { Section = StorySection.Intro, Title = "Open models got *scary* good." };

        var issue = Composer().Compose([intro, News("a", featured: true)], WeekEnding, 1);

        Assert.Equal("Open models got scary good.", issue.Preheader);
    }

    [Fact]
    public void Compose_ThrowsEmptyWeek_WhenThereAreNoStories()
    {
        var error = Assert.Throws<EmptyWeekException>(() => Composer().Compose([], WeekEnding, 1));

        Assert.Equal("No issue for the week 2026-03-31 to 2026-04-06: there are no stories dated in that week. " +
                     "Add stories dated in that week (newsletter stories import stories/ or newsletter stories add), " +
                     "or pick another week with --date YYYY-MM-DD (the last day of the week).", error.Message);
    }

    [Fact]
    public void Compose_ThrowsEmptyWeek_WhenOnlyAnIntroAndClosingNoteAreLeft()
    {
        Story Of(string slug, StorySection section) => News(slug) with { Section = section };

        var error = Assert.Throws<EmptyWeekException>(() =>
            Composer().Compose([Of("intro", StorySection.Intro), Of("closing", StorySection.Closing)], WeekEnding, 1));

        Assert.Contains("needs at least one news, paper or media story", error.Message);
    }
}

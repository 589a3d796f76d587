using Newsletter.Core.Composition;
using Newsletter.Core.Stories;

namespace Newsletter.Tests.Storage;

internal static class TestStories
{
    public static Story News(string slug, DateOnly date, string title = "A title", int priority = 0) =>
        new(slug, StorySection.News, title, date, "Some Blog", new Uri($"https://example.com/{slug}"),
            $"Summary of **{slug}**.", Takeaway: $"Why {slug} matters.", Priority: priority, Tags: ["t1", "t2"]);

    public static Issue Issue(DateOnly weekEnding, params Story[] stories)
    {
        var intro = new Story($"intro-{weekEnding:yyyy-MM-dd}", StorySection.Intro, "Headline", weekEnding, "Editor", null, "Intro paragraph.");
        return new Issue(
            Number: 0,
            WeekEnding: weekEnding,
            ComposedAt: new DateTimeOffset(weekEnding.ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero),
            Subject: $"Week ending {weekEnding:yyyy-MM-dd}",
            Preheader: "Preheader",
            Intro: intro,
            Featured: stories[0],
            KeyTakeaways: [new KeyTakeaway(stories[0].Slug, stories[0].Title, stories[0].Takeaway ?? "")],
            Sections: stories.Length > 1 ? [new IssueSection(StorySection.News, "Also This Week", stories[1..])] : []);
    }
}

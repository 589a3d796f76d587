using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Newsletter.Core.Stories;

namespace Newsletter.Core.Composition;

/// <summary>
/// Builds the week's issue from the stories not yet used in an earlier issue, and freezes it in the issue store.
/// </summary>
public sealed partial class IssueComposer(IStoryStore stories, IIssueStore issues, IOptions<IssueOptions> options, TimeProvider clock)
{
    public static readonly IReadOnlyDictionary<StorySection, string> SectionHeadings = new Dictionary<StorySection, string>
    {
        [StorySection.News] = "Also This Week",
        [StorySection.Papers] = "From the Lab",
        [StorySection.Media] = "Watch & Listen",
        [StorySection.Closing] = "Worth Reading",
    };

    public const string FeaturedHeading = "The Big Story";

    /// <summary>Composes, numbers and stores the issue for the week ending on <paramref name="weekEnding"/>.</summary>
    /// <exception cref="EmptyWeekException">The week has no unused story that could be featured.</exception>
    /// <exception cref="IssueAlreadyComposedException">The week already has an issue (also when another compose of it wins a race).</exception>
    public async Task<Issue> ComposeAsync(DateOnly weekEnding, CancellationToken cancellationToken)
    {
        if (await issues.FindByWeekEndingAsync(weekEnding, cancellationToken) is { } existing)
        {
            throw new IssueAlreadyComposedException(existing);
        }

        var weekStarting = weekEnding.AddDays(-6);
        var inWeek = await stories.ListAsync(weekStarting, weekEnding, cancellationToken);
        var used = await issues.UsedStorySlugsAsync(cancellationToken);
        var candidates = inWeek.Where(s => !used.Contains(s.Slug)).ToList();
        var allUsedAlready = used.Count > 0 && inWeek.Count > 0 && candidates.Count == 0;

        // The store decides the number inside its transaction and composes with it: the subject's number is the stored one.
        // An empty week throws from Compose there, and the transaction stores nothing.
        return await issues.CreateAsync(weekEnding, number => Compose(candidates, weekEnding, number, allUsedAlready), cancellationToken);
    }

    /// <summary>The pure part of composition: picks, orders and titles; stores nothing.</summary>
    public Issue Compose(IReadOnlyCollection<Story> candidates, DateOnly weekEnding, int number, bool allUsedAlready = false)
    {
        var weekStarting = weekEnding.AddDays(-6);
        if (candidates.Count == 0)
        {
            throw new EmptyWeekException(weekStarting, weekEnding, allUsedAlready
                ? "every story dated in that week is already in an earlier issue."
                : "there are no stories dated in that week.");
        }

        var featured = PickFeatured(candidates)
            ?? throw new EmptyWeekException(weekStarting, weekEnding,
                "it has only an intro or closing note, and an issue needs at least one news, paper or media story to feature.");

        var intro = candidates.Where(s => s.Section == StorySection.Intro).OrderBy(s => s, ReadingOrder).FirstOrDefault();
        var sections = SectionHeadings
            .Select(heading => new IssueSection(
                heading.Key,
                heading.Value,
                candidates.Where(s => s.Section == heading.Key && s != featured).OrderBy(s => s, ReadingOrder).ToList()))
            .Where(section => section.Stories.Count > 0)
            .ToList();

        var takeaways = new[] { featured }
            .Concat(sections.Where(s => s.Kind != StorySection.Closing).SelectMany(s => s.Stories))
            .Where(s => !string.IsNullOrWhiteSpace(s.Takeaway))
            .Select(s => new KeyTakeaway(s.Slug, s.Title, s.Takeaway!.Trim()))
            .ToList();

        var subject = FormatSubject(featured, weekEnding, number);
        var preheader = Shorten(PlainText(intro?.Title ?? featured.Takeaway ?? featured.SummaryMarkdown), options.Value.PreheaderLength);

        return new Issue(number, weekEnding, clock.GetUtcNow(), subject, preheader, intro, featured, takeaways, sections);
    }

    private static Story? PickFeatured(IEnumerable<Story> candidates)
    {
        var featurable = candidates.Where(s => s.Section is StorySection.News or StorySection.Papers or StorySection.Media).ToList();
        return featurable.Where(s => s.Featured).OrderBy(s => s, ReadingOrder).FirstOrDefault()
            ?? featurable.Where(s => s.Section == StorySection.News).OrderBy(s => s, ReadingOrder).FirstOrDefault()
            ?? featurable.OrderBy(s => s, ReadingOrder).FirstOrDefault();
    }

    /// <summary>Highest priority first, then oldest first, then by title, so the order never depends on the store.</summary>
    private static readonly Comparer<Story> ReadingOrder = Comparer<Story>.Create((a, b) =>
    {
        var byPriority = b.Priority.CompareTo(a.Priority);
        if (byPriority != 0) return byPriority;
        var byDate = a.Date.CompareTo(b.Date);
        return byDate != 0 ? byDate : string.CompareOrdinal(a.Title, b.Title);
    });

    /// <summary>
    /// Expands the placeholders of the configured format in one pass, so text inserted for one (a story title that says
    /// "{Number}") is data and never expanded itself.
    /// </summary>
    private string FormatSubject(Story featured, DateOnly weekEnding, int number) =>
        OneLine(SubjectPlaceholder().Replace(options.Value.SubjectFormat, match => match.Groups[1].Value switch
        {
            "FeaturedTitle" => featured.Title,
            "Number" => number.ToString(CultureInfo.InvariantCulture),
            _ => weekEnding.ToString("d MMMM yyyy", CultureInfo.InvariantCulture),
        }));

    [GeneratedRegex(@"\{(FeaturedTitle|Number|WeekEnding)\}")]
    private static partial Regex SubjectPlaceholder();

    /// <summary>Collapses CR, LF and other control characters: a subject or preheader is always one line.</summary>
    private static string OneLine(string text) => Whitespace().Replace(text, " ").Trim();

    private static string PlainText(string markdown) => OneLine(MarkdownPunctuation().Replace(markdown, ""));

    private static string Shorten(string text, int maxLength)
    {
        if (text.Length <= maxLength) return text;
        var cut = text.LastIndexOf(' ', maxLength - 1);
        return text[..(cut > maxLength / 2 ? cut : maxLength - 1)].TrimEnd(',', ';', ':', ' ') + "…";
    }

    [GeneratedRegex(@"[\s\p{Cc}]+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\]\([^)]*\)|[*_`#>\[\]]")]
    private static partial Regex MarkdownPunctuation();
}

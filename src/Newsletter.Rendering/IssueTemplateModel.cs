using System.Globalization;
using Newsletter.Core.Composition;
using Newsletter.Core.Stories;

namespace Newsletter.Rendering;

/// <summary>
/// The model of <c>Issue.cshtml</c> and <c>Issue.txt.cshtml</c>. Public only because the templates are
/// compiled at run time against it; nothing outside this project should build one.
/// </summary>
public sealed class IssueTemplateModel
{
    internal IssueTemplateModel(Issue issue, BrandingOptions branding, IssueRenderContext context, string greetingNameSlot, string unsubscribeUrlSlot)
    {
        Issue = WithLinks(WithSafeStoryLinks(issue), context.Links);
        Branding = branding;
        Context = context;
        GreetingNameSlot = greetingNameSlot;
        UnsubscribeUrlSlot = unsubscribeUrlSlot;
    }

    /// <summary>The issue, with any story link that <see cref="StoryLinks"/> does not allow taken off (the title shows unlinked).</summary>
    public Issue Issue { get; }

    // Import and `stories add` refuse such links; this keeps a story stored before those checks, or written to the store
    // by other means, from putting a javascript: or data: href in front of readers.
    private static Issue WithSafeStoryLinks(Issue issue)
    {
        if (issue.AllStories.All(s => s.Url is null || StoryLinks.IsAllowedStoryUrl(s.Url))) return issue;
        Story Safe(Story story) => story.Url is null || StoryLinks.IsAllowedStoryUrl(story.Url) ? story : story with { Url = null };
        return issue with
        {
            Intro = issue.Intro is null ? null : Safe(issue.Intro),
            Featured = Safe(issue.Featured),
            Sections = issue.Sections.Select(section => section with { Stories = section.Stories.Select(Safe).ToList() }).ToList(),
        };
    }

    // Every story's own link as the reader gets it (tracked or not), so a template writes story.Url wherever it links a story
    // (title, "read more", source) and never needs to know whether clicks are counted.
    private static Issue WithLinks(Issue issue, IssueLinks? links)
    {
        if (links is null) return issue;
        Story Tracked(Story story) => story.Url is null ? story : story with { Url = links.Rewrite(story.Url) };
        return issue with
        {
            Intro = issue.Intro is null ? null : Tracked(issue.Intro),
            Featured = Tracked(issue.Featured),
            Sections = issue.Sections.Select(section => section with { Stories = section.Stories.Select(Tracked).ToList() }).ToList(),
        };
    }

    public BrandingOptions Branding { get; }
    public IssueRenderContext Context { get; }

    /// <summary>Write this where the subscriber's name goes ("Hi ___,"); it becomes the name, or "there" when there is none.</summary>
    public string GreetingNameSlot { get; }

    /// <summary>Write this where the subscriber's unsubscribe URL goes (href or text).</summary>
    public string UnsubscribeUrlSlot { get; }

    /// <summary>The text email's link references; numbers run through the issue.</summary>
    public LinkReferences References { get; } = new();

    /// <summary>The accent colour mixed into white (<paramref name="amount"/> 0..1 of accent): soft backgrounds that match the brand,
    /// and in dark mode a light accent that stays legible on a dark background.</summary>
    public string AccentTint(double amount) => AccentOver("#ffffff", amount);

    /// <summary>The accent colour mixed into <paramref name="background"/> (<paramref name="amount"/> 0..1 of accent), e.g. a dark-mode card tinted with the brand.</summary>
    public string AccentOver(string background, double amount)
    {
        if (ParseHex(Branding.AccentColor) is not { } accent || ParseHex(background) is not { } under)
            return "#f4f4f5";
        var share = Math.Clamp(amount, 0, 1);
        int Mix(int shift) => (int)Math.Round(((under >> shift) & 0xff) * (1 - share) + ((accent >> shift) & 0xff) * share);
        return $"#{Mix(16):x2}{Mix(8):x2}{Mix(0):x2}";
    }

    /// <summary>The footer's address line: the postal address, preceded by the newsletter's name unless the address already starts with it.</summary>
    public string FooterAddress()
    {
        var address = Branding.PostalAddress.Trim();
        return address.StartsWith(Branding.Name, StringComparison.OrdinalIgnoreCase) ? address : $"{Branding.Name} · {address}";
    }

    private static int? ParseHex(string color)
    {
        var hex = color.TrimStart('#');
        if (hex.Length == 3)
            hex = string.Concat(hex.Select(c => $"{c}{c}"));
        return hex.Length == 6 && int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var rgb) ? rgb : null;
    }

    /// <summary>"April 6, 2026".</summary>
    public string LongDate(DateOnly date) => date.ToString("MMMM d, yyyy", CultureInfo.InvariantCulture);

    /// <summary>The line under a story's title: "April 1 · MLCommons", or for papers "CLeaR 2026 · arXiv cs.LG".</summary>
    public string MetaLine(Story story, bool withYear = false)
    {
        var first = story.Section == StorySection.Papers && !string.IsNullOrWhiteSpace(story.Venue)
            ? story.Venue
            : story.Date.ToString(withYear ? "MMMM d, yyyy" : "MMMM d", CultureInfo.InvariantCulture);
        return string.IsNullOrWhiteSpace(story.Source) ? first : $"{first} · {story.Source}";
    }

    /// <summary>A summary's Markdown as HTML. The only story text a template may write with <c>Raw</c>.</summary>
    public string SummaryHtml(Story story) => StoryMarkdown.ToHtml(story.SummaryMarkdown, Context.Links);

    /// <summary>A summary's Markdown as plain text, each line indented, its links added to <see cref="References"/>.</summary>
    public string SummaryText(Story story, string indent = "") => StoryMarkdown.ToPlainText(story.SummaryMarkdown, References, indent, Context.Links);

    /// <summary>The reference number of a story's own link, or null when it has none.</summary>
    public int? ReferenceOf(Story story) => story.Url is null ? null : References.Add(story.Url);

    /// <summary>The "[n] url" lines added since the last call; a section prints them at its end.</summary>
    public IReadOnlyList<string> TakeNewReferences() => References.TakeNew();

    /// <summary>"Also This Week" underlined with '-' for the text email.</summary>
    public string Underline(string heading, char with = '-') => new(with, heading.Length);

    /// <summary>The model for one story partial.</summary>
    public StoryTemplateModel Story(Story story, int number) => new(this, story, number);

    /// <summary>"The Big Story" as a one-story section, for templates that lay it out like the others.</summary>
    public SectionTemplateModel FeaturedSection() => new(this, new IssueSection(StorySection.News, "The Big Story", new[] { Issue.Featured }), Featured: true);

    /// <summary>The model for one section partial.</summary>
    public SectionTemplateModel Section(IssueSection section) => new(this, section);
}

/// <summary>The model of the story partials: the story, its number in its section (0 for "The Big Story"), and the page for helpers.</summary>
public sealed record StoryTemplateModel(IssueTemplateModel Page, Story Story, int Number);

/// <summary>The model of the section partials.</summary>
public sealed record SectionTemplateModel(IssueTemplateModel Page, IssueSection Section, bool Featured = false);

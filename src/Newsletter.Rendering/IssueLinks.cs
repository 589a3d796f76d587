using Newsletter.Core.Composition;
using Newsletter.Core.Stories;

namespace Newsletter.Rendering;

/// <summary>
/// The story links of an issue (each story's own link and the http(s) links in its summary, in reading order, each once) and,
/// for a rendering with click tracking, the URL written in place of each. The rewrite is part of the render, which runs once per
/// issue and list: a message costs nothing more with it. Links that are not a story's (unsubscribe, view in browser, the
/// logo) and <c>mailto:</c> links are never in it, so never rewritten.
/// </summary>
public sealed class IssueLinks
{
    private readonly IReadOnlyDictionary<string, Uri> _tracked;

    /// <param name="tracked">For each story link's absolute URI (as <see cref="Uri.AbsoluteUri"/> writes it), the URL to write instead.</param>
    public IssueLinks(IReadOnlyDictionary<string, Uri> tracked)
    {
        ArgumentNullException.ThrowIfNull(tracked);
        _tracked = tracked;
    }

    /// <summary>One story link: the story, the heading it is shown under, and where the link goes.</summary>
    public sealed record StoryLink(Story Story, string Section, Uri Url);

    /// <summary>Every story link of the issue in reading order, each URL once (the first story that shows it owns it).</summary>
    public static IReadOnlyList<StoryLink> Collect(Issue issue)
    {
        ArgumentNullException.ThrowIfNull(issue);
        var links = new List<StoryLink>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(Story story, string section)
        {
            var urls = story.Url is not null && StoryLinks.IsAllowedStoryUrl(story.Url) ? [story.Url] : Enumerable.Empty<Uri>();
            foreach (var url in urls.Concat(StoryMarkdown.WebLinks(story.SummaryMarkdown)))
            {
                if (seen.Add(url.AbsoluteUri)) links.Add(new StoryLink(story, section, url));
            }
        }

        if (issue.Intro is { } intro) Add(intro, "Intro");
        Add(issue.Featured, "The Big Story");
        foreach (var section in issue.Sections)
        {
            foreach (var story in section.Stories) Add(story, section.Heading);
        }
        return links;
    }

    /// <summary>The URL to write for <paramref name="url"/>: its tracked URL, or itself when it is not a story link.</summary>
    public Uri Rewrite(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && _tracked.TryGetValue(url.AbsoluteUri, out var tracked) ? tracked : url;
    }

    /// <summary>The same for a link's text as written in Markdown; null when it is not a story link.</summary>
    internal Uri? TrackedOrNull(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var parsed) && _tracked.TryGetValue(parsed.AbsoluteUri, out var tracked) ? tracked : null;
}

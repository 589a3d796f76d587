using System.Globalization;
using Newsletter.Core.Composition;

namespace Newsletter.Rendering;

/// <summary>The model of <c>templates/Archive.cshtml</c>: the public index of issues that have gone out.</summary>
/// <param name="feedUrl">The archive's Atom feed, announced in the page's head.</param>
public sealed class ArchiveTemplateModel(BrandingOptions branding, IReadOnlyList<Issue> issues, Func<int, string> pageOf, string feedUrl)
{
    public string FeedUrl { get; } = feedUrl;

    public BrandingOptions Branding { get; } = branding;

    /// <summary>Newest first.</summary>
    public IReadOnlyList<Issue> Issues { get; } = issues;

    /// <summary>The "view in browser" page of an issue.</summary>
    public string PageOf(int issueNumber) => pageOf(issueNumber);

    public string LongDate(DateOnly date) => date.ToString("MMMM d, yyyy", CultureInfo.InvariantCulture);
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Messages;
using Newsletter.Rendering;

namespace Newsletter.Web;

/// <summary>
/// The public web copies of issues whose first send has started, rendered from the same templates as the email but personalised
/// for nobody: no name, an unsubscribe link that is not anyone's (it explains where the personal one is), and the stories' own
/// links (never tracked). An issue scheduled for later is not here, nor in the feed, until its send starts. Issues are frozen,
/// so each page is rendered once per process.
/// </summary>
public sealed class IssueArchive(
    IIssueStore issues,
    ISendStore sends,
    IssueRenderer renderer,
    PublicUrls urls,
    IOptions<BrandingOptions> branding)
{
    private const int CachedPages = 32;
    private readonly ConcurrentDictionary<int, Lazy<Task<string>>> _pages = new();

    /// <summary>An issue in the archive and when its first send started.</summary>
    public sealed record PublishedIssue(Issue Issue, DateTimeOffset PublishedAt);

    /// <summary>Issues whose first send has started, newest first.</summary>
    public async Task<IReadOnlyList<Issue>> ListSentAsync(CancellationToken cancellationToken) =>
        (await ListPublishedAsync(cancellationToken)).Select(p => p.Issue).ToList();

    /// <summary>Issues whose first send has started, with that time, newest first: the archive and its feed.</summary>
    public async Task<IReadOnlyList<PublishedIssue>> ListPublishedAsync(CancellationToken cancellationToken)
    {
        var published = new List<PublishedIssue>();
        foreach (var issue in await issues.ListAsync(cancellationToken))
        {
            if (await PublishedAtAsync(issue.Number, cancellationToken) is { } at) published.Add(new PublishedIssue(issue, at));
        }
        return published;
    }


    /// <summary>The HTML page of a sent issue, or null when there is no such issue or it has not gone out yet.</summary>
    public async Task<string?> PageAsync(int number, CancellationToken cancellationToken)
    {
        if (_pages.TryGetValue(number, out var cached)) return await cached.Value.WaitAsync(cancellationToken);
        if (await PublishedAtAsync(number, cancellationToken) is null) return null;
        var issue = await issues.GetAsync(number, cancellationToken);
        if (issue is null) return null;

        if (_pages.Count >= CachedPages) _pages.Clear();
        var entry = _pages.GetOrAdd(number, _ => new Lazy<Task<string>>(() => RenderAsync(issue)));
        try
        {
            return await entry.Value.WaitAsync(cancellationToken);
        }
        catch when (entry.Value.IsFaulted)
        {
            _pages.TryRemove(new KeyValuePair<int, Lazy<Task<string>>>(number, entry));
            throw;
        }
    }

    /// <summary>When the issue's first send started; null while none has (a send scheduled for later has not).</summary>
    private async Task<DateTimeOffset?> PublishedAtAsync(int number, CancellationToken cancellationToken) =>
        (await sends.ListSendsAsync(number, cancellationToken)).Min(s => s.StartedAt);

    private async Task<string> RenderAsync(Issue issue)
    {
        // Rendered uncancelled: the render is shared by every request for the page.
        var rendered = await renderer.RenderAsync(issue, new IssueRenderContext(branding.Value.Name, urls.ViewInBrowser(issue.Number)), CancellationToken.None);
        // The web copy's unsubscribe link is a page explaining where the personal one is, not anyone's token.
        var html = rendered.Personalise(subscriberName: null, urls.PublicUnsubscribe).Html;
        // The email's template has no feed link (mail clients have no use for it); its web copy announces the feed like the index.
        var headEnd = html.IndexOf("</head>", StringComparison.OrdinalIgnoreCase);
        return headEnd < 0 ? html : html.Insert(headEnd, $"<link rel=\"alternate\" type=\"application/atom+xml\" title=\"{Encode(branding.Value.Name)}\" href=\"{Encode(urls.Feed.AbsoluteUri)}\">\n");
    }

    private static string Encode(string text) => System.Text.Encodings.Web.HtmlEncoder.Default.Encode(text);
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Messages;
using Newsletter.Rendering;

namespace Newsletter.Web;

/// <summary>
/// The public web copies of sent issues, rendered from the same templates as the email but personalised for nobody:
/// no name, and an unsubscribe link that is not anyone's (it explains where the personal one is). Issues are frozen,
/// so each page is rendered once per process.
/// </summary>
public sealed class IssueArchive(
    IIssueStore issues,
    IDeliveryProgress log,
    IssueRenderer renderer,
    PublicUrls urls,
    IOptions<BrandingOptions> branding)
{
    private const int CachedPages = 32;
    private readonly ConcurrentDictionary<int, Lazy<Task<string>>> _pages = new();

    /// <summary>Issues that went out to at least one subscriber, newest first.</summary>
    public async Task<IReadOnlyList<Issue>> ListSentAsync(CancellationToken cancellationToken)
    {
        var sent = new List<Issue>();
        foreach (var issue in await issues.ListAsync(cancellationToken))
        {
            if (await IsSentAsync(issue.Number, cancellationToken)) sent.Add(issue);
        }
        return sent;
    }

    /// <summary>The HTML page of a sent issue, or null when there is no such issue or it has not gone out yet.</summary>
    public async Task<string?> PageAsync(int number, CancellationToken cancellationToken)
    {
        if (_pages.TryGetValue(number, out var cached)) return await cached.Value.WaitAsync(cancellationToken);
        if (!await IsSentAsync(number, cancellationToken)) return null;
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

    private async Task<bool> IsSentAsync(int number, CancellationToken cancellationToken) =>
        (await log.CountAsync(number, null, cancellationToken)).Sent > 0;

    private async Task<string> RenderAsync(Issue issue)
    {
        // Rendered uncancelled: the render is shared by every request for the page.
        var rendered = await renderer.RenderAsync(issue, new IssueRenderContext(branding.Value.Name, urls.ViewInBrowser(issue.Number)), CancellationToken.None);
        // The web copy's unsubscribe link is a page explaining where the personal one is, not anyone's token.
        return rendered.Personalise(subscriberName: null, urls.PublicUnsubscribe).Html;
    }
}

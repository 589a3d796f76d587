using Microsoft.Extensions.Options;
using Newsletter.Core.Clicks;
using Newsletter.Core.Composition;
using Newsletter.Delivery.Messages;
using Newsletter.Rendering;

namespace Newsletter.Delivery.Clicks;

/// <summary>
/// What an issue's rendering for a send writes in place of its story links: with <see cref="ClickTrackingOptions.Clicks"/> on,
/// each link's tracked URL, its target stored first (<see cref="IClickStore.AddLinksAsync"/>) so the redirect can only go where
/// the issue links; off, nothing (the stories' own URLs).
/// </summary>
public sealed class TrackedIssueLinks(IOptions<ClickTrackingOptions> options, IClickStore store, ClickSignatures signatures, PublicUrls urls)
{
    /// <summary>The issue's tracked links for its rendering, or null when clicks are not counted.</summary>
    public async Task<IssueLinks?> ForRenderingAsync(Issue issue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issue);
        if (!options.Value.Clicks) return null;

        var links = IssueLinks.Collect(issue)
            .Select((link, i) => new TrackedLink(issue.Number, i + 1, link.Url, link.Story.Slug, link.Story.Title, link.Section))
            .ToList();
        // The stored links win: the issue is frozen, so they are these, unless another version of the program numbered them.
        var stored = await store.AddLinksAsync(issue.Number, links, cancellationToken).ConfigureAwait(false);
        var tracked = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var link in stored)
        {
            tracked.TryAdd(link.Target.AbsoluteUri, urls.TrackedLink(issue.Number, link.LinkId, signatures.Sign(issue.Number, link.LinkId)));
        }
        return new IssueLinks(tracked);
    }
}

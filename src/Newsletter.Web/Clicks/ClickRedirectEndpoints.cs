using System.Collections.Concurrent;
using Newsletter.Core.Clicks;
using Newsletter.Core.Monitoring;
using Newsletter.Delivery.Clicks;
using Newsletter.Delivery.Messages;
using Newsletter.Rendering.Pages;

namespace Newsletter.Web.Clicks;

/// <summary>
/// <c>GET|HEAD /r/{issue}/{link}/{signature}</c>: a tracked story link. A valid one answers 302 to the URL stored with the issue
/// (never anything from the request: no open redirect), and a GET from a browser is counted (<see cref="ClickRequests"/>),
/// after the answer, by <see cref="ClickRecorder"/>. Anything else is a 404. Nothing about the reader is read or kept.
/// </summary>
public static class ClickRedirectEndpoints
{
    private const int CachedLinks = 4096;

    public static void MapClickRedirects(this IEndpointRouteBuilder app)
    {
        // Links are frozen with their issue: once read, a link is served from memory, so a busy store never delays the redirect.
        var cache = new ConcurrentDictionary<(int, int), TrackedLink>();
        app.MapMethods(PublicUrls.TrackedLinkRoute, [HttpMethods.Get, HttpMethods.Head],
            async (int issue, int link, string signature, HttpContext http, ClickSignatures signatures, IClickStore store, ClickRecorder recorder,
                NewsletterMetrics metrics, PageRenderer pages, CancellationToken ct) =>
            {
                if (!signatures.IsValid(issue, link, signature)) return await NotFoundAsync(pages, ct);
                if (!cache.TryGetValue((issue, link), out var tracked))
                {
                    tracked = await store.FindLinkAsync(issue, link, ct);
                    if (tracked is null) return await NotFoundAsync(pages, ct);
                    if (cache.Count >= CachedLinks) cache.Clear();
                    cache[(issue, link)] = tracked;
                }

                var kind = ClickRequests.Classify(http.Request.Method, http.Request.Headers.UserAgent);
                if (kind == "click") recorder.TryRecord(issue, link);
                metrics.Redirected(kind);
                // Not cached, so a second click is a second request (and counts); no referrer beyond this site's origin.
                http.Response.Headers.CacheControl = "no-store";
                return Results.Redirect(tracked.Target.AbsoluteUri, permanent: false);
            });
    }

    private static Task<IResult> NotFoundAsync(PageRenderer pages, CancellationToken ct) =>
        pages.PageAsync("clicks/NoSuchLink", new PageModel(), StatusCodes.Status404NotFound, ct);
}

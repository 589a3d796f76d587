using Microsoft.Extensions.Options;
using Newsletter.Delivery.Messages;
using Newsletter.Rendering;
using Newsletter.Rendering.Pages;

namespace Newsletter.Web;

/// <summary>
/// <c>GET /issues</c> (the index of past issues, templates/pages/archive/Index.cshtml) and <c>GET /issues/{number}</c> (an
/// issue's "view in browser" page, rendered from the email's templates; templates/pages/archive/NotFound.cshtml when absent), and
/// <c>GET /issues/feed.atom</c>, the same issues as an Atom feed (<see cref="AtomFeed"/>).
/// </summary>
public static class IssueArchiveEndpoints
{
    public static void MapIssueArchive(this IEndpointRouteBuilder app)
    {
        app.MapGet(PublicUrls.ArchivePath, async (IssueArchive archive, PageRenderer pages, PublicUrls urls, CancellationToken ct) =>
            await pages.PageAsync("archive/Index", new ArchivePage(await archive.ListSentAsync(ct), PublicUrls.IssuePath, urls.Feed.AbsoluteUri), ct: ct));

        app.MapGet(PublicUrls.FeedPath, async (IssueArchive archive, IOptions<BrandingOptions> branding, IOptions<SenderOptions> sender, PublicUrls urls,
            CancellationToken ct) =>
        {
            var published = await archive.ListPublishedAsync(ct);
            var xml = AtomFeed.Write(branding.Value.Name, sender.Value.FromName ?? branding.Value.Name, urls, published);
            return Results.Content(xml, AtomFeed.ContentType, System.Text.Encoding.UTF8);
        });

        app.MapGet(PublicUrls.ArchivePath + "/{number:int}", async (int number, IssueArchive archive, PageRenderer pages, CancellationToken ct) =>
            await archive.PageAsync(number, ct) is { } html
                ? Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8)
                : await pages.PageAsync("archive/NotFound", new IssueNotFoundPage(number, PublicUrls.ArchivePath), StatusCodes.Status404NotFound, ct));
    }
}

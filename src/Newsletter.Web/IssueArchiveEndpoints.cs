using Microsoft.Extensions.Options;
using Newsletter.Delivery.Messages;
using Newsletter.Rendering;
using static Newsletter.Web.HtmlPage;

namespace Newsletter.Web;

/// <summary>
/// <c>GET /issues</c> (the index of past issues, from templates/Archive.cshtml), <c>GET /issues/{number}</c> (an issue's "view in
/// browser" page) and <c>GET /issues/feed.atom</c> (the same issues as an Atom feed).
/// </summary>
public static class IssueArchiveEndpoints
{
    public static void MapIssueArchive(this IEndpointRouteBuilder app)
    {
        app.MapGet("/issues", async (IssueArchive archive, IssueRenderer renderer, IOptions<BrandingOptions> branding, PublicUrls urls, CancellationToken ct) =>
        {
            var sent = await archive.ListSentAsync(ct);
            var html = await renderer.RenderArchiveAsync(
                new ArchiveTemplateModel(branding.Value, sent, PublicUrls.IssuePath, urls.Feed.AbsoluteUri), ct);
            return Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8);
        });

        app.MapGet(PublicUrls.FeedPath, async (IssueArchive archive, IOptions<BrandingOptions> branding, IOptions<SenderOptions> sender, PublicUrls urls,
            CancellationToken ct) =>
        {
            var published = await archive.ListPublishedAsync(ct);
            var xml = AtomFeed.Write(branding.Value.Name, sender.Value.FromName ?? branding.Value.Name, urls, published);
            return Results.Content(xml, AtomFeed.ContentType, System.Text.Encoding.UTF8);
        });

        app.MapGet("/issues/{number:int}", async (int number, IssueArchive archive, CancellationToken ct) =>
            await archive.PageAsync(number, ct) is { } html
                ? Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8)
                : Result("No such issue", $"<h1>No issue #{number} here</h1><p>It does not exist or has not gone out yet. <a href=\"/issues\">All past issues</a>.</p>",
                    StatusCodes.Status404NotFound));
    }
}

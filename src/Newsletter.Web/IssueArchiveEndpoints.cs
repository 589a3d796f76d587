using Newsletter.Delivery.Messages;
using Newsletter.Rendering.Pages;

namespace Newsletter.Web;

/// <summary>
/// <c>GET /issues</c> (the index of past issues, templates/pages/archive/Index.cshtml) and <c>GET /issues/{number}</c> (an
/// issue's "view in browser" page, rendered from the email's templates; templates/pages/archive/NotFound.cshtml when absent).
/// </summary>
public static class IssueArchiveEndpoints
{
    public static void MapIssueArchive(this IEndpointRouteBuilder app)
    {
        app.MapGet(PublicUrls.ArchivePath, async (IssueArchive archive, PageRenderer pages, CancellationToken ct) =>
            await pages.PageAsync("archive/Index", new ArchivePage(await archive.ListSentAsync(ct), PublicUrls.IssuePath), ct: ct));

        app.MapGet(PublicUrls.ArchivePath + "/{number:int}", async (int number, IssueArchive archive, PageRenderer pages, CancellationToken ct) =>
            await archive.PageAsync(number, ct) is { } html
                ? Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8)
                : await pages.PageAsync("archive/NotFound", new IssueNotFoundPage(number, PublicUrls.ArchivePath), StatusCodes.Status404NotFound, ct));
    }
}

using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Unsubscribe;
using Newsletter.OperatorFiles.Lists;
using Newsletter.Rendering.Pages;

namespace Newsletter.Web;

/// <summary>
/// The subscriber's way out, and back in:
/// <list type="bullet">
/// <item><c>POST /unsubscribe/{token}</c>: RFC 8058 one-click (body <c>List-Unsubscribe=One-Click</c>, as mailbox providers
/// post it), also what the confirmation page's button posts. 200, no redirect, no cookie; idempotent.</item>
/// <item><c>GET /unsubscribe/{token}</c>: a confirmation page only. Link scanners follow links, so a GET changes nothing.</item>
/// <item><c>POST /unsubscribe/{token}/resubscribe</c>: lifts that unsubscribe again (the same token authenticates it).</item>
/// <item><c>GET /unsubscribe</c>: the non-personal link of the web archive, explaining where the real one is.</item>
/// </list>
/// A token that is forged, truncated or tampered with gets 404 and changes nothing. The pages are the templates in
/// <c>templates/pages/unsubscribe/</c>.
/// </summary>
public static partial class UnsubscribeEndpoints
{
    public static void MapUnsubscribe(this IEndpointRouteBuilder app)
    {
        app.MapGet(PublicUrls.UnsubscribePath, (PageRenderer pages, CancellationToken ct) => pages.PageAsync("unsubscribe/Help", new PageModel(), ct: ct));

        app.MapGet(PublicUrls.UnsubscribePath + "/{token}", async (string token, UnsubscribeTokens tokens, MailingListCatalog lists, PageRenderer pages,
            HttpContext http, CancellationToken ct) =>
        {
            NoStore(http);
            if (!tokens.TryRead(token, out var listName, out var email)) return await NotValidAsync(pages, ct);
            return await pages.PageAsync("unsubscribe/Confirm", Page(token, lists.DisplayNameOf(listName), email), ct: ct);
        });

        app.MapPost(PublicUrls.UnsubscribePath + "/{token}", async (string token, UnsubscribeTokens tokens, MailingListCatalog lists, ISuppressionList suppressions,
            PageRenderer pages, ILoggerFactory loggers, HttpContext http, CancellationToken ct) =>
        {
            NoStore(http);
            if (!tokens.TryRead(token, out var listName, out var email)) return await NotValidAsync(pages, ct);
            var oneClick = await IsOneClickAsync(http.Request, ct);
            var added = await suppressions.AddAsync(email, listName, SuppressionReason.Unsubscribed,
                oneClick ? "one-click unsubscribe (RFC 8058)" : "unsubscribe page", ct);
            if (added) LogUnsubscribed(loggers.CreateLogger(typeof(UnsubscribeEndpoints).FullName!), email, listName, oneClick ? "one-click" : "page");
            return await pages.PageAsync("unsubscribe/Done", Page(token, lists.DisplayNameOf(listName), email), ct: ct);
        }).DisableAntiforgery();

        app.MapPost(PublicUrls.UnsubscribePath + "/{token}/resubscribe", async (string token, UnsubscribeTokens tokens, MailingListCatalog lists,
            ISuppressionList suppressions, PageRenderer pages, ILoggerFactory loggers, HttpContext http, CancellationToken ct) =>
        {
            NoStore(http);
            if (!tokens.TryRead(token, out var listName, out var email)) return await NotValidAsync(pages, ct);
            if (await suppressions.RemoveAsync(email, listName, SuppressionReason.Unsubscribed, ct))
            {
                LogResubscribed(loggers.CreateLogger(typeof(UnsubscribeEndpoints).FullName!), email, listName);
            }
            var page = Page(token, lists.DisplayNameOf(listName), email);
            return await suppressions.IsSuppressedAsync(email, listName, ct)
                ? await pages.PageAsync("unsubscribe/ResubscribeRefused", page, ct: ct)
                : await pages.PageAsync("unsubscribe/Resubscribed", page, ct: ct);
        }).DisableAntiforgery();
    }

    private static UnsubscribePage Page(string token, string listName, string email) =>
        new(listName, email, PublicUrls.UnsubscribeTokenPath(token), PublicUrls.ResubscribePath(token));

    /// <summary>Whether the body is RFC 8058's <c>List-Unsubscribe=One-Click</c>. Any POST with a valid token unsubscribes; this only labels it.</summary>
    private static async Task<bool> IsOneClickAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasFormContentType) return false;
        var form = await request.ReadFormAsync(ct);
        return string.Equals(form["List-Unsubscribe"], "One-Click", StringComparison.OrdinalIgnoreCase);
    }

    private static Task<IResult> NotValidAsync(PageRenderer pages, CancellationToken ct) =>
        pages.PageAsync("unsubscribe/NotValid", new PageModel(), StatusCodes.Status404NotFound, ct);

    /// <summary>The token is in the URL: keep it out of caches and out of the Referer of anything the page links to.</summary>
    private static void NoStore(HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        http.Response.Headers["X-Robots-Tag"] = "noindex";
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "Unsubscribed {Email} from list {ListName} ({How})")]
    private static partial void LogUnsubscribed(ILogger logger, string email, string listName, string how);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Information, Message = "Resubscribed {Email} to list {ListName} (their own unsubscribe lifted)")]
    private static partial void LogResubscribed(ILogger logger, string email, string listName);
}

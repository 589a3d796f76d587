using Newsletter.Core.Lists;
using Newsletter.Delivery.Unsubscribe;
using Newsletter.Storage.Lists;
using static Newsletter.Web.HtmlPage;

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
/// A token that is forged, truncated or tampered with gets 404 and changes nothing.
/// </summary>
public static partial class UnsubscribeEndpoints
{
    public static void MapUnsubscribe(this IEndpointRouteBuilder app)
    {
        app.MapGet("/unsubscribe", () => Result("Unsubscribe",
            "<h1>Unsubscribe</h1><p>To leave the list, use the unsubscribe link at the bottom of the email you received: " +
            "it is personal to your address, so this public page cannot know who you are.</p>"));

        app.MapGet("/unsubscribe/{token}", (string token, UnsubscribeTokens tokens, MailingListCatalog lists, HttpContext http) =>
        {
            NoStore(http);
            if (!tokens.TryRead(token, out var listName, out var email)) return NotValid();
            return Result("Unsubscribe", $"""
                <h1>Unsubscribe from {E(lists.DisplayNameOf(listName))}?</h1>
                <p>{E(email)} will get no more issues from this list.</p>
                <form method="post" action="/unsubscribe/{E(token)}">
                  <input type="hidden" name="List-Unsubscribe" value="One-Click">
                  <button type="submit" id="unsubscribe">Unsubscribe</button>
                </form>
                <p class="note">Changed your mind? Just close this page: nothing happens until you press the button.</p>
                """);
        });

        app.MapPost("/unsubscribe/{token}", async (string token, UnsubscribeTokens tokens, MailingListCatalog lists, ISuppressionList suppressions,
            ILoggerFactory loggers, HttpContext http, CancellationToken ct) =>
        {
            NoStore(http);
            if (!tokens.TryRead(token, out var listName, out var email)) return NotValid();
            var oneClick = await IsOneClickAsync(http.Request, ct);
            var added = await suppressions.AddAsync(email, listName, SuppressionReason.Unsubscribed,
                oneClick ? "one-click unsubscribe (RFC 8058)" : "unsubscribe page", ct);
            if (added) LogUnsubscribed(loggers.CreateLogger(typeof(UnsubscribeEndpoints).FullName!), email, listName, oneClick ? "one-click" : "page");
            return Result("Unsubscribed", $"""
                <h1>You are unsubscribed</h1>
                <p>{E(email)} will get no more issues of {E(lists.DisplayNameOf(listName))}.</p>
                <form method="post" action="/unsubscribe/{E(token)}/resubscribe">
                  <button type="submit" id="resubscribe" class="secondary">Resubscribe</button>
                </form>
                <p class="note">Unsubscribed by mistake? The button above puts you back on the list.</p>
                """);
        }).DisableAntiforgery();

        app.MapPost("/unsubscribe/{token}/resubscribe", async (string token, UnsubscribeTokens tokens, MailingListCatalog lists, ISuppressionList suppressions,
            ILoggerFactory loggers, HttpContext http, CancellationToken ct) =>
        {
            NoStore(http);
            if (!tokens.TryRead(token, out var listName, out var email)) return NotValid();
            if (await suppressions.RemoveAsync(email, listName, SuppressionReason.Unsubscribed, ct))
            {
                LogResubscribed(loggers.CreateLogger(typeof(UnsubscribeEndpoints).FullName!), email, listName);
            }
            var name = E(lists.DisplayNameOf(listName));
            if (await suppressions.IsSuppressedAsync(email, listName, ct))
            {
                return Result("Not resubscribed", $"""
                    <h1>We cannot send to this address</h1>
                    <p>Mail to {E(email)} was refused or bounced earlier, so {name} stays off for it. Reply to any issue and we will sort it out.</p>
                    """);
            }
            return Result("Resubscribed", $"""
                <h1>Welcome back</h1>
                <p>{E(email)} is subscribed to {name} again and will get the next issue.</p>
                <form method="post" action="/unsubscribe/{E(token)}">
                  <button type="submit" id="unsubscribe" class="secondary">Unsubscribe again</button>
                </form>
                """);
        }).DisableAntiforgery();
    }

    /// <summary>Whether the body is RFC 8058's <c>List-Unsubscribe=One-Click</c>. Any POST with a valid token unsubscribes; this only labels it.</summary>
    private static async Task<bool> IsOneClickAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasFormContentType) return false;
        var form = await request.ReadFormAsync(ct);
        return string.Equals(form["List-Unsubscribe"], "One-Click", StringComparison.OrdinalIgnoreCase);
    }

    private static IResult NotValid() => Result("Link not valid",
        "<h1>This link is not valid</h1><p>It may have been cut short when it was copied. Use the unsubscribe link at the bottom of the email, " +
        "or reply to the email and we will take you off the list.</p>", StatusCodes.Status404NotFound);

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

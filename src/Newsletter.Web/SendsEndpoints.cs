using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Messages;
using Newsletter.OperatorFiles.Lists;
using Newsletter.Rendering.Pages;

namespace Newsletter.Web;

/// <summary>
/// <c>GET /sends</c>: each issue's send as a whole (progress, start and finish), with pause, resume and cancel for admins
/// (<c>POST /sends/{id}/pause|resume|cancel</c>, antiforgery-checked because the browser sends Basic credentials on its own).
/// Same gate as the dashboard. The pages are the templates in <c>templates/pages/operator/</c>.
/// </summary>
public static partial class SendsEndpoints
{
    private const int Shown = 100;

    public static void MapSends(this IEndpointRouteBuilder app)
    {
        app.MapGet("/sends", async (HttpContext http, OperatorAuthenticator auth, ISendStore log, IDeliveryProgress deliveries, MailingListCatalog lists,
            IAntiforgery antiforgery, PageRenderer pages, CancellationToken ct) =>
        {
            var access = auth.Evaluate(http);
            if (access == OperatorAccess.None) return await UnauthorizedAsync(http, pages, ct);
            // Antiforgery marks the admin's page no-store itself (and warns if we set it first).
            var form = access == OperatorAccess.Admin ? antiforgery.GetAndStoreTokens(http).ToFormToken() : null;
            if (form is null) http.Response.Headers.CacheControl = "no-store";
            var recent = await log.ListRecentSendsAsync(Shown, ct);
            var progress = (await deliveries.GetSendProgressAsync(recent.Select(s => s.Id).ToList(), ct)).ToDictionary(p => p.Send.Id);
            // Newest first, as listed; a send that vanished between the two reads is left out.
            var sends = recent.Where(s => progress.ContainsKey(s.Id))
                .Select(s => new SendRow(progress[s.Id], PublicUrls.IssuePath(s.IssueNumber), action => ControlPath(s.Id, action), PublicUrls.ReportPath(s.IssueNumber)))
                .ToList();
            return await pages.PageAsync("operator/Sends", new SendsPage(sends, lists.Rejected, form), ct: ct);
        });

        app.MapPost("/sends/{id:long}/{action:regex(^(pause|resume|cancel)$)}", async (long id, string action, HttpContext http, OperatorAuthenticator auth,
            IAntiforgery antiforgery, ISendControl control, PageRenderer pages, ILoggerFactory loggers, CancellationToken ct) =>
        {
            var access = auth.Evaluate(http);
            if (access == OperatorAccess.None) return await UnauthorizedAsync(http, pages, ct);
            if (access != OperatorAccess.Admin) return await pages.PageAsync("operator/ReadOnly", new PageModel(), StatusCodes.Status403Forbidden, ct);
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return await pages.PageAsync("operator/FormExpired", new PageModel(), StatusCodes.Status400BadRequest, ct);
            }

            var who = OperatorAuthenticator.IsLoopback(http) ? "loopback" : "remote admin";
            switch (action)
            {
                case "pause":
                    await control.PauseAsync(id, $"paused from the /sends page ({who}).", ct);
                    break;
                case "resume":
                    await control.ResumeAsync(id, ct);
                    break;
                case "cancel":
                    await control.CancelAsync(id, ct);
                    break;
            }
            LogControl(loggers.CreateLogger(typeof(SendsEndpoints).FullName!), action, id, who);
            return Results.Redirect("/sends", permanent: false, preserveMethod: false);
        }).DisableAntiforgery().WithDomainErrors(backTo: "/sends");
    }

    /// <summary>The answer to a request without operator access: a Basic challenge and a page saying so.</summary>
    internal static Task<IResult> UnauthorizedAsync(HttpContext http, PageRenderer pages, CancellationToken ct)
    {
        OperatorAuthenticator.Challenge(http.Response);
        return pages.PageAsync("operator/LoginRequired", new PageModel(), StatusCodes.Status401Unauthorized, ct);
    }

    /// <summary>Where a send's pause, resume or cancel button posts.</summary>
    private static string ControlPath(long sendId, string action) => string.Create(CultureInfo.InvariantCulture, $"/sends/{sendId}/{action}");

    [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "Operator ({Who}) did {Action} on send {SendId} from the /sends page")]
    private static partial void LogControl(ILogger logger, string action, long sendId, string who);
}

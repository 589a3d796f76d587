using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Messages;
using Newsletter.Storage.Lists;
using static Newsletter.Web.HtmlPage;

namespace Newsletter.Web;

/// <summary>
/// <c>GET /sends</c>: each issue's send as a whole (progress, start and finish), with pause, resume and cancel for admins
/// (<c>POST /sends/{id}/pause|resume|cancel</c>, antiforgery-checked because the browser sends Basic credentials on its own).
/// Same gate as the dashboard.
/// </summary>
public static partial class SendsEndpoints
{
    private const int Shown = 100;

    public static void MapSends(this IEndpointRouteBuilder app)
    {
        app.MapGet("/sends", async (HttpContext http, OperatorAuthenticator auth, ISendStore log, IDeliveryProgress deliveries, MailingListCatalog lists, IAntiforgery antiforgery, CancellationToken ct) =>
        {
            var access = auth.Evaluate(http);
            if (access == OperatorAccess.None) return Unauthorized(http);
            // Antiforgery marks the admin's page no-store itself (and warns if we set it first).
            var form = access == OperatorAccess.Admin ? antiforgery.GetAndStoreTokens(http) : null;
            if (form is null) http.Response.Headers.CacheControl = "no-store";
            var html = new StringBuilder("<h1>Sends</h1>");
            if (lists.Rejected.Count > 0)
            {
                html.Append("<div class=\"alert\"><strong>The last edit of the lists was rejected; the last good lists stay in force.</strong>\n")
                    .Append(E(string.Join("\n", lists.Rejected))).Append("</div>");
            }
            var recent = await log.ListRecentSendsAsync(Shown, ct);
            var progress = (await deliveries.GetSendProgressAsync(recent.Select(s => s.Id).ToList(), ct)).ToDictionary(p => p.Send.Id);
            // Newest first, as listed; a send that vanished between the two reads is left out.
            var sends = recent.Where(s => progress.ContainsKey(s.Id)).Select(s => progress[s.Id]).ToList();
            if (sends.Count == 0)
            {
                html.Append("<p>Nothing has been sent yet.</p>");
            }
            else
            {
                html.Append("<table><thead><tr><th>Issue</th><th>List</th><th>State</th><th>Sent</th><th>Pending</th><th>Deferred</th><th>Failed</th>" +
                            "<th>Suppressed</th><th>Started</th><th>Finished</th>")
                    .Append(form is null ? "" : "<th></th>").Append("</tr></thead><tbody>");
                foreach (var p in sends)
                {
                    var (send, c) = (p.Send, p.Counts);
                    html.Append(CultureInfo.InvariantCulture,
                        $"<tr><td><a href=\"/issues/{send.IssueNumber}\">#{send.IssueNumber}</a> <a href=\"{PublicUrls.ReportPath(send.IssueNumber)}\">report</a></td><td>{E(send.ListName)}</td><td>{E(p.Describe(TimeZoneInfo.Utc))}</td>" +
                        $"<td class=\"n\">{c.Sent:N0} / {c.Total:N0}</td><td class=\"n\">{c.Pending + c.Sending:N0}</td><td class=\"n\">{c.Deferred:N0}</td>" +
                        $"<td class=\"n\">{c.Failed:N0}</td><td class=\"n\">{c.Suppressed:N0}</td><td>{Time(send.StartedAt)}</td><td>{Time(send.FinishedAt)}</td>");
                    if (form is not null)
                    {
                        html.Append("<td>");
                        if (p.CanPause) html.Append(Button(send, "pause", "Pause", "secondary", form));
                        if (p.CanResume) html.Append(Button(send, "resume", "Resume", "", form));
                        if (p.CanCancel) html.Append(Button(send, "cancel", "Cancel", "danger", form));
                        html.Append("</td>");
                    }
                    html.Append("</tr>");
                }
                html.Append("</tbody></table>");
            }
            html.Append("<p class=\"note\">Jobs, retries and servers: <a href=\"/hangfire\">the Hangfire dashboard</a>.")
                .Append(access == OperatorAccess.Admin ? "" : " You have read-only access.").Append("</p>");
            return Result("Sends", html.ToString());
        });

        app.MapPost("/sends/{id:long}/{action:regex(^(pause|resume|cancel)$)}", async (long id, string action, HttpContext http, OperatorAuthenticator auth,
            IAntiforgery antiforgery, ISendControl control, ILoggerFactory loggers, CancellationToken ct) =>
        {
            var access = auth.Evaluate(http);
            if (access == OperatorAccess.None) return Unauthorized(http);
            if (access != OperatorAccess.Admin) return Result("Forbidden", "<h1>Read-only access</h1><p>Only admins may change sends.</p>", StatusCodes.Status403Forbidden);
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Result("Expired form", "<h1>This form has expired</h1><p><a href=\"/sends\">Reload the sends page</a> and try again.</p>", StatusCodes.Status400BadRequest);
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
    internal static IResult Unauthorized(HttpContext http)
    {
        OperatorAuthenticator.Challenge(http.Response);
        return Result("Login required", "<h1>Login required</h1><p>Operator pages need the dashboard user and password from this address.</p>", StatusCodes.Status401Unauthorized);
    }

    private static string Button(Send send, string action, string label, string css, AntiforgeryTokenSet form) => string.Create(CultureInfo.InvariantCulture,
        $"<form class=\"inline\" method=\"post\" action=\"/sends/{send.Id}/{action}\"><input type=\"hidden\" name=\"{E(form.FormFieldName)}\" value=\"{E(form.RequestToken)}\">" +
        $"<button type=\"submit\" class=\"{css}\">{label}</button></form> ");

    private static string Time(DateTimeOffset? at) => at is { } t ? SendProgress.Time(t, TimeZoneInfo.Utc) : "";

    [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "Operator ({Who}) did {Action} on send {SendId} from the /sends page")]
    private static partial void LogControl(ILogger logger, string action, long sendId, string who);
}

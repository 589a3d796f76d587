using Newsletter.Core.Reports;
using Newsletter.Delivery.Messages;
using Newsletter.Rendering.Pages;

namespace Newsletter.Web;

/// <summary>
/// <c>GET /sends/reports/{issue}</c>: what an issue did (templates/pages/reports/Issue.cshtml), for operators: the same gate as
/// <c>/sends</c>, which links it. Read-only; the same figures as <c>newsletter report</c>.
/// </summary>
public static class ReportEndpoints
{
    public static void MapReports(this IEndpointRouteBuilder app) =>
        app.MapGet(PublicUrls.ReportRoute, async (int issue, HttpContext http, OperatorAuthenticator auth, IssueReports reports,
            PageRenderer pages, CancellationToken ct) =>
        {
            if (auth.Evaluate(http) == OperatorAccess.None) return await SendsEndpoints.UnauthorizedAsync(http, pages, ct);
            http.Response.Headers.CacheControl = "no-store";
            var report = await reports.GetAsync(issue, ct);
            return await pages.PageAsync("reports/Issue", new IssueReportPage(report, IssueReport.ScannerCaveat), ct: ct);
        }).WithDomainErrors(backTo: "/sends");
}

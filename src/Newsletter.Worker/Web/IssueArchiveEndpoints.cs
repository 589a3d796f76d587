using System.Globalization;
using Microsoft.Extensions.Options;
using Newsletter.Rendering;
using static Newsletter.Worker.Web.HtmlPage;

namespace Newsletter.Worker.Web;

/// <summary><c>GET /issues</c> (the index of past issues) and <c>GET /issues/{number}</c> (an issue's "view in browser" page).</summary>
public static class IssueArchiveEndpoints
{
    public static void MapIssueArchive(this IEndpointRouteBuilder app)
    {
        app.MapGet("/issues", async (IssueArchive archive, IOptions<BrandingOptions> branding, CancellationToken ct) =>
        {
            var sent = await archive.ListSentAsync(ct);
            var rows = sent.Count == 0
                ? "<p>No issue has gone out yet.</p>"
                : "<ul>" + string.Concat(sent.Select(i => string.Create(CultureInfo.InvariantCulture,
                    $"<li><a href=\"/issues/{i.Number}\">{E(i.Subject)}</a> <span class=\"note\">week ending {i.WeekEnding:yyyy-MM-dd}</span></li>"))) + "</ul>";
            return Result($"{branding.Value.Name}: past issues", $"<h1>{E(branding.Value.Name)}: past issues</h1>{rows}");
        });

        app.MapGet("/issues/{number:int}", async (int number, IssueArchive archive, CancellationToken ct) =>
            await archive.PageAsync(number, ct) is { } html
                ? Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8)
                : Result("No such issue", $"<h1>No issue #{number} here</h1><p>It does not exist or has not gone out yet. <a href=\"/issues\">All past issues</a>.</p>",
                    StatusCodes.Status404NotFound));
    }
}

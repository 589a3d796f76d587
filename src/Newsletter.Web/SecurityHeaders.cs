namespace Newsletter.Web;

/// <summary>
/// The browser-side limits on every response of <c>run</c>. The archive pages show story content and share an origin with
/// <c>/sends</c>, so if anything ever slips script into a page, the browser must refuse to run it: no page but the Hangfire
/// dashboard may run script at all, and the dashboard only its own files. No page may be framed (clickjacking the
/// /sends buttons) or sniffed into another content type.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>Subscriber and operator pages we write ourselves: inline CSS (the email's look), https images, forms to this site, no script.</summary>
    public const string PagePolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src https:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>
    /// The Hangfire dashboard: its scripts, stylesheets and fonts are served from /hangfire itself; its markup uses inline
    /// style attributes, and its charts poll stats with XHR. No inline or foreign script.
    /// </summary>
    public const string DashboardPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public const string DashboardPath = "/hangfire";

    /// <summary>Adds the headers to every response, errors included. Pages may tighten <c>Referrer-Policy</c> (unsubscribe: no-referrer).</summary>
    public static void UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Response.Headers;
        var operatorPage = context.Request.Path.StartsWithSegments(DashboardPath) || context.Request.Path.StartsWithSegments("/sends");
        headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments(DashboardPath) ? DashboardPolicy : PagePolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // Readers following a story link tell the site only that they came from this newsletter, never which page;
        // operator page addresses stay on this site.
        headers["Referrer-Policy"] = operatorPage ? "same-origin" : "strict-origin-when-cross-origin";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        return next(context);
    });
}

using Hangfire;
using Newsletter.Hosting.Configuration;
using Newsletter.Web.Clicks;
using Newsletter.Web.Monitoring;
using Newsletter.Web.Signups;

namespace Newsletter.Web;

/// <summary>
/// Newsletter.Web is the web side of the newsletter, as Hangfire.AspNetCore is to Hangfire.Core. It owns:
/// <list type="bullet">
/// <item>the subscriber pages: one-click unsubscribe (<see cref="UnsubscribeEndpoints"/>), the issue archive and its Atom feed
/// (<see cref="IssueArchiveEndpoints"/>), the lists' signup forms with double opt-in (<see cref="SignupEndpoints"/>), and the tracked
/// links' redirect (<see cref="ClickRedirectEndpoints"/>, counting through <see cref="ClickRecorder"/>);</item>
/// <item>the operator pages: /sends with pause, resume and cancel (<see cref="SendsEndpoints"/>, through Core's
/// <c>ISendControl</c>), the Hangfire dashboard's gate (<see cref="DashboardAuthorizationFilter"/>), /metrics and /healthz
/// (<see cref="MonitoringEndpoints"/>, <see cref="GaugeReadings"/> and the health checks);</item>
/// <item>operator access: loopback, or HTTP Basic with an admin or read-only login (<see cref="OperatorAuthenticator"/>);</item>
/// <item>the browser-side limits on every response (<see cref="SecurityHeaders"/>) and the one mapping from the domain's
/// exceptions to HTTP status codes (<see cref="HttpErrors"/>).</item>
/// </list>
/// It reads and controls sends through Core's interfaces and the store, and never references the worker: the worker's host
/// composes it with <see cref="AddNewsletterWeb"/> and <see cref="MapNewsletterWeb{TApp}"/>, next to the job server.
/// </summary>
public static class WebServiceCollectionExtensions
{
    /// <summary>
    /// Registers the pages' services: operator access (<see cref="DashboardOptions"/>, section <c>Newsletter:Web:Dashboard</c>),
    /// the issue archive, antiforgery for the /sends buttons, and monitoring (OpenTelemetry's Prometheus exporter, the gauges,
    /// the <c>store</c> and <c>jobs</c> health checks). Needs the core services of a newsletter host (the store, rendering,
    /// delivery's unsubscribe tokens and message builder, the lists, <c>ISendControl</c>, <c>NewsletterMetrics</c> and a Hangfire
    /// <see cref="JobStorage"/>); the host says where the jobs live through <see cref="JobStorageHealthOptions"/>.
    /// </summary>
    public static IServiceCollection AddNewsletterWeb(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<DashboardOptions>().BindSection(DashboardOptions.SectionName);
        services.AddSingleton<OperatorAuthenticator>();
        services.AddSingleton<DashboardAuthorizationFilter>();
        services.AddSingleton<IssueArchive>();
        services.AddSingleton<ClickRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<ClickRecorder>());
        services.AddAntiforgery();
        services.AddMonitoring();
        services.AddSignups();
        return services;
    }

    /// <summary>
    /// Serves every page: the security headers on every response, the Hangfire dashboard at /hangfire behind the operator gate,
    /// / (to /sends), /sends, /unsubscribe, /issues, /signup, /r (tracked links), /metrics and /healthz.
    /// </summary>
    public static TApp MapNewsletterWeb<TApp>(this TApp app) where TApp : IApplicationBuilder, IEndpointRouteBuilder
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseSecurityHeaders();
        var dashboardGate = app.ServiceProvider.GetRequiredService<DashboardAuthorizationFilter>();
        app.MapHangfireDashboard(SecurityHeaders.DashboardPath, new Hangfire.DashboardOptions
        {
            Authorization = [dashboardGate],
            IsReadOnlyFunc = dashboardGate.IsReadOnly,
            AppPath = "/sends",
            DashboardTitle = "Newsletter jobs",
        });
        app.MapGet("/", () => Results.Redirect("/sends"));
        app.MapSends();
        app.MapReports();
        app.MapUnsubscribe();
        app.MapIssueArchive();
        app.MapSignup();
        app.MapClickRedirects();
        app.MapMonitoring();
        return app;
    }
}

using Newsletter.Core.Configuration;
using Hangfire;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;
using Newsletter.Worker.Hosting;
using Newsletter.Storage.Lists;
using Newsletter.Worker.Monitoring;

namespace Newsletter.Worker.Web;

/// <summary>
/// The web host of <c>newsletter run</c>: the job server, the subscriber-facing pages (unsubscribe, the issue archive), and
/// the operator pages (/sends and the Hangfire dashboard at /hangfire). Tests build it here too, on port 0.
/// </summary>
public static class NewsletterWebApp
{
    /// <param name="urls">Where Kestrel listens; null for <c>Newsletter:Web:Urls</c>.</param>
    /// <param name="configure">Last changes to the builder (tests add configuration files and log capture).</param>
    public static WebApplication Build(HostSettings settings, string? urls = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory() });
        builder.AddNewsletter(settings);
        var services = builder.Services;
        services.AddOptions<WebOptions>().BindSection(WebOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddOptions<DashboardOptions>().BindSection(DashboardOptions.SectionName);
        services.AddSingleton<OperatorAuthenticator>();
        services.AddSingleton<DashboardAuthorizationFilter>();
        services.AddSingleton<IssueArchive>();
        services.AddListsReloader();
        services.AddAntiforgery();
        services.AddMonitoring();
        configure?.Invoke(builder);

        builder.WebHost.UseUrls(urls ?? builder.Configuration.GetSection(WebOptions.SectionName).Get<WebOptions>()?.Urls ?? new WebOptions().Urls);
        var app = builder.Build();
        KeepRunningOnBrokenConfigurationFiles(app.Configuration);

        app.UseSecurityHeaders();
        var dashboardGate = app.Services.GetRequiredService<DashboardAuthorizationFilter>();
        app.MapHangfireDashboard("/hangfire", new Hangfire.DashboardOptions
        {
            Authorization = [dashboardGate],
            IsReadOnlyFunc = dashboardGate.IsReadOnly,
            AppPath = "/sends",
            DashboardTitle = "Newsletter jobs",
        });
        app.MapGet("/", () => Results.Redirect("/sends"));
        app.MapSends();
        app.MapUnsubscribe();
        app.MapIssueArchive();
        app.MapMonitoring();
        return app;
    }

    /// <summary>
    /// A JSON file that does not parse on reload would otherwise throw on the file watcher's thread. Ignoring it here is safe
    /// because <see cref="MailingListCatalog"/> checks the files itself, rejects the edit and keeps the last good lists.
    /// At start-up the exception still stops the host, with the file and position.
    /// </summary>
    private static void KeepRunningOnBrokenConfigurationFiles(IConfiguration configuration)
    {
        if (configuration is not IConfigurationRoot root) return;
        foreach (var provider in root.Providers.OfType<JsonConfigurationProvider>())
        {
            provider.Source.OnLoadException = context => context.Ignore = true;
        }
    }
}

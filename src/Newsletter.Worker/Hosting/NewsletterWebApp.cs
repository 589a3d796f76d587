using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;
using Newsletter.Hosting.Configuration;
using Newsletter.OperatorFiles.Lists;
using Newsletter.Storage;
using Newsletter.Web;
using Newsletter.Web.Monitoring;

namespace Newsletter.Worker.Hosting;

/// <summary>
/// The web host of <c>newsletter run</c>: the newsletter host (job server included), the pages of Newsletter.Web, and the lists
/// reloader. Tests build it here too, on port 0.
/// </summary>
public static class NewsletterWebApp
{
    /// <param name="urls">Where Kestrel listens; null for <c>Newsletter:Web:Urls</c>.</param>
    /// <param name="configure">Last changes to the builder (tests add configuration files and log capture).</param>
    public static WebApplication Build(HostSettings settings, string? urls = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ConfigurationFilePolling.WithUnwatchedDefaults(null),
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        ConfigurationFilePolling.WatchJsonFilesByPolling(builder);
        builder.AddNewsletter(settings);
        var services = builder.Services;
        services.AddOptions<WebOptions>().BindSection(WebOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebOptions>, WebOptionsValidator>();
        services.AddNewsletterWeb();
        // Jobs live in the SQLite file of Newsletter:Jobs, or beside the store in PostgreSQL (see the job storage registration).
        // The storage (which creates its file) comes first, and the options are made at start, so the identity is the opened file's.
        services.AddOptions<JobStorageHealthOptions>().Configure<IOptions<JobsOptions>, IOptions<StoreOptions>, StoreDatabase, Hangfire.JobStorage>(
            (check, jobs, store, database, _) =>
            {
                if (store.Value.Provider == StoreProvider.Sqlite)
                {
                    check.StorageFile = Path.GetFullPath(jobs.Value.StoragePath);
                    check.StorageFileIdentity = FileIdentity.Of(check.StorageFile);
                    check.Description = check.StorageFile;
                }
                else
                {
                    check.Description = $"the hangfire schema of {database.Description}";
                }
            }).ValidateOnStart();
        services.AddListsReloader();
        configure?.Invoke(builder);

        builder.WebHost.UseUrls(urls ?? builder.Configuration.GetSection(WebOptions.SectionName).Get<WebOptions>()?.Urls ?? new WebOptions().Urls);
        var app = builder.Build();
        KeepRunningOnBrokenConfigurationFiles(app.Configuration);
        var configurationLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Newsletter.Configuration");
        ConfigurationFilePolling.OnRejectedEdit(app.Configuration, (file, error) => configurationLog.LogError(
            "The edit of {File} was not applied: it is not valid JSON ({Problem}). The settings read before the edit stay in force; fix the file.",
            file, error.Message));
        app.MapNewsletterWeb();
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

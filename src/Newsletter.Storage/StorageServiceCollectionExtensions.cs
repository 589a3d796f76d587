using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newsletter.Core.Bounces;
using Newsletter.Core.Clicks;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Core.Reports;
using Newsletter.Core.Signups;
using Newsletter.Core.Stories;
using Newsletter.Hosting.Configuration;

namespace Newsletter.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the store chosen by <c>Newsletter:Store:Provider</c> (SQLite by default, or PostgreSQL): <see cref="StoreOptions"/>
    /// (validated at start), <see cref="StoreDatabase"/>, <see cref="IStoryStore"/>, <see cref="IIssueStore"/>, <see cref="IIssueRenderingStore"/>,
    /// the delivery log, one class per role (<see cref="ISendStore"/>, <see cref="IDeliveryClaims"/>,
    /// <see cref="IDeliveryProgress"/>, <see cref="IWorkerHeartbeats"/> and <see cref="ISentMessageLookup"/>), <see cref="ISuppressionList"/>, <see cref="IRateLimiter"/>, <see cref="IBounceStore"/>, <see cref="ISignupStore"/>, <see cref="IClickStore"/>, <see cref="IIssueActivity"/> and <see cref="IssueReports"/>,
    /// all singletons. Uses a registered <see cref="TimeProvider"/> if there is one.
    /// </summary>
    public static IServiceCollection AddStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<StoreOptions>()
            .BindSection(StoreOptions.SectionName)
            .ValidateSectionAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>();

        services.AddSingleton<StoreDatabase>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StoreOptions>>().Value;
            return options.Provider switch
            {
                StoreProvider.PostgreSql => new PostgreSqlDatabase(options.PostgreSqlConnectionString()),
                _ => new SqliteDatabase(options.Path),
            };
        });
        services.AddSingleton(sp => new StoryStore(sp.GetRequiredService<StoreDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton(sp => new IssueStore(sp.GetRequiredService<StoreDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton(sp => new StoreOutage(sp.GetRequiredService<StoreDatabase>(), sp.GetService<TimeProvider>(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<StoreOutage>>()));
        services.AddSingleton<IStoryStore>(sp => sp.GetRequiredService<StoryStore>());
        services.AddSingleton<IIssueStore>(sp => sp.GetRequiredService<IssueStore>());
        services.AddSingleton<IIssueRenderingStore>(sp => sp.GetRequiredService<IssueStore>());
        // The delivery log, one class per role; the writers that must ride out an outage share this process's StoreOutage.
        services.AddSingleton<ISendStore>(sp => new SendStore(sp.GetRequiredService<StoreDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton<IDeliveryClaims>(sp => new DeliveryClaims(sp.GetRequiredService<StoreDatabase>(), sp.GetService<TimeProvider>(),
            sp.GetRequiredService<StoreOutage>()));
        services.AddSingleton<IDeliveryProgress>(sp => new DeliveryProgress(sp.GetRequiredService<StoreDatabase>()));
        services.AddSingleton<IWorkerHeartbeats>(sp => new WorkerHeartbeats(sp.GetRequiredService<StoreDatabase>(), sp.GetService<TimeProvider>(),
            sp.GetRequiredService<StoreOutage>()));
        services.AddSingleton<ISentMessageLookup>(sp => new SentMessageLookup(sp.GetRequiredService<StoreDatabase>()));
        services.AddSingleton<ISuppressionList>(sp => new SuppressionList(sp.GetRequiredService<StoreDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton<IRateLimiter>(sp => new RateLimiter(sp.GetRequiredService<StoreDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton<IBounceStore>(sp => new BounceStore(sp.GetRequiredService<StoreDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton<ISignupStore>(sp => new SignupStore(sp.GetRequiredService<StoreDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton<IClickStore>(sp => new ClickStore(sp.GetRequiredService<StoreDatabase>()));
        services.AddSingleton<IIssueActivity>(sp => new IssueActivity(sp.GetRequiredService<StoreDatabase>()));
        services.AddSingleton<IssueReports>();
        return services;
    }
}

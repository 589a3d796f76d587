using Newsletter.Core.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Core.Stories;
using Newsletter.Storage.StoryFiles;

namespace Newsletter.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the SQLite store: <see cref="StoreOptions"/> (section <c>Newsletter:Store</c>, validated at start),
    /// <see cref="SqliteDatabase"/>, <see cref="IStoryStore"/>, <see cref="IIssueStore"/>, <see cref="IDeliveryLog"/>
    /// and <see cref="StoryFolderImporter"/>, all singletons. Uses a registered <see cref="TimeProvider"/> if there is one.
    /// </summary>
    public static IServiceCollection AddSqliteStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<StoreOptions>()
            .BindSection(StoreOptions.SectionName)
            .ValidateSectionAnnotations()
            .ValidateOnStart();

        services.AddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<IOptions<StoreOptions>>().Value.Path));
        services.AddSingleton(sp => new SqliteStoryStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton(sp => new SqliteIssueStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton(sp => new SqliteDeliveryLog(sp.GetRequiredService<SqliteDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton<IStoryStore>(sp => sp.GetRequiredService<SqliteStoryStore>());
        services.AddSingleton<IIssueStore>(sp => sp.GetRequiredService<SqliteIssueStore>());
        services.AddSingleton<IDeliveryLog>(sp => sp.GetRequiredService<SqliteDeliveryLog>());
        services.AddSingleton<ISuppressionList>(sp => new SqliteSuppressionList(sp.GetRequiredService<SqliteDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton<IRateLimiter>(sp => new SqliteRateLimiter(sp.GetRequiredService<SqliteDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton(sp => new StoryFolderImporter(sp.GetRequiredService<IStoryStore>()));
        return services;
    }
}

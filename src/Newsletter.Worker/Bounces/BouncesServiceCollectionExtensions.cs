using Newsletter.Core.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Newsletter.Storage;

namespace Newsletter.Worker.Bounces;

public static class BouncesServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates (at start-up) <see cref="BounceOptions"/>, and registers <see cref="SqliteBounceStore"/> and
    /// <see cref="BounceProcessor"/>; with <paramref name="poll"/>, also the <see cref="BounceMailboxPoller"/> hosted service
    /// (which does nothing unless <see cref="BounceOptions.Enabled"/>). Needs the SQLite store registered.
    /// </summary>
    public static IServiceCollection AddBounces(this IServiceCollection services, bool poll)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<BounceOptions>().BindSection(BounceOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BounceOptions>, BounceOptionsValidator>(sp =>
            new BounceOptionsValidator(sp.GetService<IHostEnvironment>())));
        services.TryAddSingleton(sp => new SqliteBounceStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetService<TimeProvider>()));
        services.TryAddTransient<BounceProcessor>();
        if (poll)
        {
            services.AddHostedService<BounceMailboxPoller>();
        }
        return services;
    }
}

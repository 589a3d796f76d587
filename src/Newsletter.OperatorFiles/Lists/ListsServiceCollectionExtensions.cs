using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Core.Lists;

namespace Newsletter.OperatorFiles.Lists;

/// <summary>
/// The mailing lists as the operator keeps them: <c>Newsletter:Lists</c> in appsettings.json (inline subscribers or CSV files),
/// loaded and validated by <see cref="MailingListLoader"/>, served fresh to commands and jobs by <see cref="MailingListCatalog"/>,
/// and watched in <c>run</c> by <see cref="ListsReloader"/>. The domain types (<c>MailingList</c>, <c>Subscriber</c>,
/// <c>EmailKey</c>) are Core's; suppressions live in the store.
/// </summary>
public static class ListsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="MailingListCatalog"/> (also as Core's <see cref="IListDisplayNames"/>) and binds <see cref="ListsOptions"/>. Needs <see cref="IConfiguration"/> in the
    /// container (any host provides it); relative CSV paths resolve against the host's content root.
    /// </summary>
    /// <param name="validateAtStart">
    /// Read and validate every list when the host starts, and refuse to start when one is invalid (with the messages
    /// <c>lists validate</c> prints): for the commands that send. The others never read the lists, so a large list costs them nothing.
    /// </param>
    public static IServiceCollection AddNewsletterLists(this IServiceCollection services, bool validateAtStart = false)
    {
        ArgumentNullException.ThrowIfNull(services);

        // The section *is* the dictionary (list name -> list), which the binder cannot bind on its own.
        var options = services.AddOptions<ListsOptions>()
            .Configure<IConfiguration>((options, configuration) =>
            {
                foreach (var (name, list) in ListsOptions.FromConfiguration(configuration).Lists) options.Lists[name] = list;
            });
        if (validateAtStart)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ListsOptions>, ListsOptionsValidator>(sp =>
                new ListsOptionsValidator(sp.GetService<IHostEnvironment>(), sp.GetService<ILogger<ListsOptionsValidator>>())));
            options.ValidateOnStart();
        }

        services.TryAddSingleton<MailingListCatalog>();
        services.TryAddSingleton<IListDisplayNames>(provider => provider.GetRequiredService<MailingListCatalog>());
        return services;
    }

    /// <summary>Re-reads the lists as soon as appsettings.json or one of their CSV files changes (<c>newsletter run</c>).</summary>
    public static IServiceCollection AddListsReloader(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddHostedService<ListsReloader>();
        return services;
    }
}

using Microsoft.Extensions.DependencyInjection.Extensions;
using Newsletter.Hosting.Configuration;

namespace Newsletter.Worker.Publishing;

public static class PublishingServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates (at start-up) <see cref="StoriesOptions"/> and registers the <see cref="IssuePublisher"/>: import the
    /// stories folder, compose the week's issue, queue its sends. Needs the store, composition, lists and send jobs registered.
    /// </summary>
    public static IServiceCollection AddPublishing(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<StoriesOptions>().BindSection(StoriesOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.TryAddTransient<IssuePublisher>();
        return services;
    }
}

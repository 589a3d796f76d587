using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Newsletter.Core.Composition;
using Newsletter.Hosting.Configuration;

namespace Newsletter.Worker.Publishing;

public static class CompositionServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates (at start-up) <see cref="IssueOptions"/> and registers the <see cref="IssueComposer"/>. Needs the
    /// story and issue stores and a <see cref="TimeProvider"/> registered.
    /// </summary>
    public static IServiceCollection AddComposition(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<IssueOptions>().BindSection(IssueOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.TryAddSingleton<IssueComposer>();
        return services;
    }
}

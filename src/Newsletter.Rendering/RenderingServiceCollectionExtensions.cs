using Microsoft.Extensions.DependencyInjection;
using Newsletter.Hosting.Configuration;

namespace Newsletter.Rendering;

public static class RenderingServiceCollectionExtensions
{
    /// <summary>Binds and validates the branding and rendering options and registers the (compile-once) renderer.</summary>
    public static IServiceCollection AddRendering(this IServiceCollection services)
    {
        services.AddOptions<BrandingOptions>().BindSection(BrandingOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddOptions<RenderingOptions>().BindSection(RenderingOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddSingleton<IssueRenderer>();
        return services;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Configuration;
using Newsletter.Rendering.Pages;

namespace Newsletter.Rendering;

public static class RenderingServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates the branding and rendering options and registers the process's one <see cref="TemplateEngine"/>
    /// (built on first render, each template compiled once), the issue renderer and the page renderer.
    /// </summary>
    public static IServiceCollection AddRendering(this IServiceCollection services)
    {
        services.AddOptions<BrandingOptions>().BindSection(BrandingOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddOptions<RenderingOptions>().BindSection(RenderingOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddSingleton<TemplateEngine>();
        services.AddSingleton<IssueRenderer>();
        services.AddSingleton<PageRenderer>();
        return services;
    }
}

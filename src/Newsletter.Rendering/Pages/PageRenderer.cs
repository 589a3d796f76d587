using Microsoft.Extensions.Options;

namespace Newsletter.Rendering.Pages;

/// <summary>
/// Renders the web pages <c>run</c> serves from the templates in <c>templates/pages/</c>: <c>RenderAsync("unsubscribe/Confirm", model)</c>
/// runs <c>templates/pages/unsubscribe/Confirm.cshtml</c> with <paramref name="model"/>, inside the layout the template names
/// (<c>pages/_Layout.cshtml</c>, which carries the branding). Razor HTML-encodes every value. Templates are files an operator can
/// edit to brand the pages; each is compiled on its first request and kept for the life of the process (through the shared
/// <see cref="TemplateEngine"/>), so serving nothing costs nothing. Register as a singleton.
/// </summary>
public sealed class PageRenderer(TemplateEngine engine, IOptions<BrandingOptions> branding)
{
    /// <summary>The folder under the templates folder that holds the pages and their layout.</summary>
    public const string Folder = "pages";

    /// <summary>Renders the page template <c>templates/pages/{page}.cshtml</c> with <paramref name="model"/> into a whole HTML document.</summary>
    /// <param name="page">The template's path under <c>templates/pages/</c>, without <c>.cshtml</c>, e.g. <c>unsubscribe/Confirm</c>.</param>
    /// <exception cref="TemplateException">The template or its layout is missing, does not compile, or throws while rendering.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<string> RenderAsync(string page, PageModel model, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(page);
        ArgumentNullException.ThrowIfNull(model);
        cancellationToken.ThrowIfCancellationRequested();
        var template = $"{Folder}/{page}.cshtml";
        engine.EnsureFolderExists(template);
        model.Branding = branding.Value;
        // RazorLight renders synchronously once compiled (a few microseconds for a page), so there is nothing to cancel inside.
        return await engine.RenderAsync(template, model).ConfigureAwait(false);
    }
}

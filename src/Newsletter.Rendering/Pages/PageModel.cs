namespace Newsletter.Rendering.Pages;

/// <summary>
/// The model of a page template under <c>templates/pages/</c>, and of the shared layout <c>pages/_Layout.cshtml</c>, which
/// receives the page's model. A page with nothing to show but its text uses this class as it is; a page with data derives
/// from it. A template can use only Newsletter.Rendering's and Newsletter.Core's types and the base class library (see
/// <see cref="TemplateReferences"/>), so page models live here, in <c>Newsletter.Rendering.Pages</c>.
/// </summary>
public class PageModel
{
    /// <summary>The newsletter's branding (name, accent colour, logo, postal address), set by <see cref="PageRenderer"/>.</summary>
    public BrandingOptions Branding { get; internal set; } = new();
}

/// <summary>The antiforgery field an operator form must post back: ASP.NET Core's field name and request token.</summary>
public sealed record FormToken(string FieldName, string Value);

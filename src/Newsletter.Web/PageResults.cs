using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Newsletter.Rendering.Pages;

namespace Newsletter.Web;

/// <summary>
/// How an endpoint answers with a page: <c>return await pages.PageAsync("unsubscribe/Confirm", model, ct: ct);</c> renders
/// <c>templates/pages/unsubscribe/Confirm.cshtml</c> through <see cref="PageRenderer"/> into an HTML response with the status
/// code given. The endpoint keeps its own headers (no-store and the like); <see cref="SecurityHeaders"/> adds the CSP.
/// </summary>
public static class PageResults
{
    /// <summary>Renders the page template <c>templates/pages/{page}.cshtml</c> with <paramref name="model"/> as a <c>text/html</c> response.</summary>
    /// <exception cref="Rendering.TemplateException">The template or its layout is missing, does not compile, or throws.</exception>
    public static async Task<IResult> PageAsync(this PageRenderer pages, string page, PageModel model, int statusCode = StatusCodes.Status200OK,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(pages);
        var html = await pages.RenderAsync(page, model, ct);
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, statusCode);
    }

    /// <summary>The antiforgery field of an operator form, for a page model.</summary>
    public static FormToken ToFormToken(this AntiforgeryTokenSet tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return new FormToken(tokens.FormFieldName, tokens.RequestToken ?? "");
    }
}

using Microsoft.AspNetCore.Http.Features;
using Newsletter.Core.Monitoring;
using Newsletter.Core.Signups;
using Newsletter.Delivery.Messages;
using Newsletter.OperatorFiles.Lists;
using Newsletter.Rendering.Pages;

namespace Newsletter.Web.Signups;

/// <summary>
/// A list's signup form and its confirmation link (double opt-in), for lists whose configuration says <c>Signup: { Enabled: true }</c>:
/// <list type="bullet">
/// <item><c>GET /signup/{list}</c>: the form (templates/pages/signup/Form.cshtml).</item>
/// <item><c>POST /signup/{list}</c>: what the form posts, from this site or from any other where the operator pasted it (a plain
/// cross-origin form post: no antiforgery token, which another origin cannot have; no CORS, which a form navigation does not
/// use). One answer, "check your inbox", whoever the address is. Limited per client, bounded in size.</item>
/// <item><c>GET /signup/confirm/{token}</c>: a page with one Confirm button. Link scanners fetch every link, so a GET changes nothing.</item>
/// <item><c>POST /signup/confirm/{token}</c>: joins the reader, once, while the link is in time.</item>
/// </list>
/// </summary>
public static class SignupEndpoints
{
    public static void MapSignup(this IEndpointRouteBuilder app)
    {
        app.MapGet(PublicUrls.SignupPrefix + "/{list}", async (string list, MailingListCatalog lists, PageRenderer pages, CancellationToken ct) =>
            lists.SignupOf(list) is { } signup
                ? await pages.PageAsync("signup/Form", FormPage(signup), ct: ct)
                : await pages.PageAsync("signup/Closed", new PageModel(), StatusCodes.Status404NotFound, ct));

        app.MapPost(PublicUrls.SignupPrefix + "/{list}", async (string list, MailingListCatalog lists, SignupService signups, PageRenderer pages,
            NewsletterMetrics metrics, HttpContext http, CancellationToken ct) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            if (lists.SignupOf(list) is not { } signup)
            {
                return await pages.PageAsync("signup/Closed", new PageModel(), StatusCodes.Status404NotFound, ct);
            }
            if (!signups.TryAdmit(signup, http.Connection.RemoteIpAddress?.ToString() ?? "unknown"))
            {
                return await pages.PageAsync("signup/TooMany", new PageModel(), StatusCodes.Status429TooManyRequests, ct);
            }
            if (await ReadFormAsync(http, ct) is not { } form)
            {
                metrics.SignupRefused(signup.ListName, "too_large");
                return await pages.PageAsync("signup/TooLarge", new PageModel(), StatusCodes.Status413PayloadTooLarge, ct);
            }

            var (answer, problem) = await signups.RequestAsync(signup, form, ct);
            return answer == SignupAnswer.CheckInbox
                ? await pages.PageAsync("signup/CheckInbox", FormPage(signup), ct: ct)
                : await pages.PageAsync("signup/Form", new SignupPage(signup.DisplayName, signup.ConsentText, signup.ConsentHash, PublicUrls.SignupPath(signup.ListName))
                {
                    Email = form.Email?.Trim(),
                    Name = form.Name?.Trim(),
                    Problem = problem,
                }, StatusCodes.Status422UnprocessableEntity, ct);
        }).DisableAntiforgery();

        app.MapGet(PublicUrls.SignupPrefix + "/confirm/{token}", async (string token, SignupService signups, MailingListCatalog lists, PageRenderer pages,
            HttpContext http, CancellationToken ct) =>
        {
            NoStore(http);
            var answer = signups.Inspect(token, out var link);
            return answer == ConfirmationAnswer.Valid
                ? await pages.PageAsync("signup/Confirm", new SignupPage(lists.DisplayNameOf(link.ListName), "", "", PublicUrls.ConfirmPath(token)) { Email = link.Email }, ct: ct)
                : await RefusedAsync(pages, answer, ct);
        });

        app.MapPost(PublicUrls.SignupPrefix + "/confirm/{token}", async (string token, SignupService signups, MailingListCatalog lists, PageRenderer pages,
            HttpContext http, CancellationToken ct) =>
        {
            NoStore(http);
            var (answer, reader) = await signups.ConfirmAsync(token, ct);
            return reader is not null
                ? await pages.PageAsync("signup/Confirmed", new SignupPage(lists.DisplayNameOf(reader.ListName), "", "", "") { Email = reader.Email }, ct: ct)
                : await RefusedAsync(pages, answer, ct);
        }).DisableAntiforgery();
    }

    private static SignupPage FormPage(ListSignup signup) =>
        new(signup.DisplayName, signup.ConsentText, signup.ConsentHash, PublicUrls.SignupPath(signup.ListName));

    private static Task<IResult> RefusedAsync(PageRenderer pages, ConfirmationAnswer answer, CancellationToken ct) => answer switch
    {
        ConfirmationAnswer.Expired => pages.PageAsync("signup/Expired", new PageModel(), StatusCodes.Status410Gone, ct),
        ConfirmationAnswer.AlreadyUsed => pages.PageAsync("signup/AlreadyUsed", new PageModel(), StatusCodes.Status409Conflict, ct),
        _ => pages.PageAsync("signup/NotValid", new PageModel(), StatusCodes.Status404NotFound, ct),
    };

    /// <summary>
    /// Reads the form, refusing one larger than <see cref="SignupOptions.MaxRequestBytes"/> whether or not it says its length.
    /// </summary>
    /// <returns>The form, or null when it was too large.</returns>
    private static async Task<SignupForm?> ReadFormAsync(HttpContext http, CancellationToken ct)
    {
        if (http.Request.ContentLength > SignupOptions.MaxRequestBytes) return null;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = SignupOptions.MaxRequestBytes;
        }
        if (!http.Request.HasFormContentType) return new SignupForm(null, null, null, null);
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(ct);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
        return new SignupForm(form[SignupPage.EmailField], form[SignupPage.NameField], form[SignupPage.ConsentField], form[SignupPage.HoneypotField]);
    }

    /// <summary>The token is in the URL: keep it out of caches and out of the Referer.</summary>
    private static void NoStore(HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        http.Response.Headers["X-Robots-Tag"] = "noindex";
    }
}

using Newsletter.Core.Errors;
using Newsletter.Rendering;
using Newsletter.Rendering.Pages;

namespace Newsletter.Web;

/// <summary>
/// The one mapping from the domain's exceptions to HTTP status codes, for every operator endpoint that changes something: the
/// services throw what went wrong (<see cref="Newsletter.Core.Errors"/>), and the operator gets the message, which names the fix,
/// on a page (templates/pages/operator/NotDone.cshtml) with the status a client can act on. Anything else is left to ASP.NET Core (a 500 without details).
/// </summary>
public static class HttpErrors
{
    /// <summary>The status code for <paramref name="exception"/>, or null when it is not one the domain throws.</summary>
    public static int? StatusCodeFor(Exception exception) => exception switch
    {
        IssueNotFoundException or SendNotFoundException or ListNotFoundException => StatusCodes.Status404NotFound,
        // The request was understood, but the send's state, the lists or the stories as they are now refuse it; nothing was changed.
        NewsletterException => StatusCodes.Status409Conflict,
        // The server's own templates do not render: the operator's to fix (the message names the file and line), not the request's.
        TemplateException => StatusCodes.Status500InternalServerError,
        _ => null,
    };

    /// <summary>Answers a domain exception from the endpoint with its status code and a page showing its message.</summary>
    public static RouteHandlerBuilder WithDomainErrors(this RouteHandlerBuilder endpoint, string backTo) => endpoint.AddEndpointFilter(async (context, next) =>
    {
        try
        {
            return await next(context);
        }
        catch (Exception ex) when (StatusCodeFor(ex) is { } status)
        {
            var pages = context.HttpContext.RequestServices.GetRequiredService<PageRenderer>();
            return await pages.PageAsync("operator/NotDone", new NotDonePage(ex.Message, backTo), status, context.HttpContext.RequestAborted);
        }
    });
}

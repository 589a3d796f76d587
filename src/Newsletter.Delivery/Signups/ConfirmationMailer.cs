using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Core.Lists;
using Newsletter.Core.Signups;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Transports;
using Newsletter.Delivery.Unsubscribe;
using Newsletter.Rendering;

namespace Newsletter.Delivery.Signups;

/// <summary>
/// Sends one signup's confirmation mail at once, outside the weekly sends: rendered from <c>templates/Confirm.cshtml</c> and
/// <c>Confirm.txt.cshtml</c> in the newsletter's branding, built and DKIM-signed like an issue (<see cref="IssueMessageBuilder.BuildTransactional"/>),
/// and handed to the configured transport on a session of its own. Its link carries a <see cref="ConfirmationTokens"/> token.
/// </summary>
public sealed partial class ConfirmationMailer(
    IssueRenderer renderer,
    IssueMessageBuilder messages,
    IMailTransport transport,
    ConfirmationTokens tokens,
    PublicUrls urls,
    IOptions<BrandingOptions> branding,
    ILogger<ConfirmationMailer> logger)
{
    /// <summary>Renders, signs and sends the mail for <paramref name="request"/>, whose waiting signup has <paramref name="nonce"/>.</summary>
    /// <exception cref="TemplateException">A template does not render.</exception>
    /// <exception cref="DeliveryException">The transport did not take the message.</exception>
    public async Task SendAsync(ListSignup list, SignupRequest request, string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(request);
        var url = urls.Confirm(tokens.Create(list.ListName, request.Email, nonce, expiresAt));
        var model = new ConfirmationMailModel(branding.Value, list.DisplayName, request.Name, url, expiresAt);
        var (html, text) = await renderer.RenderConfirmationAsync(model, cancellationToken).ConfigureAwait(false);
        var outgoing = messages.BuildTransactional(new Subscriber(request.Email, request.Name), model.Subject, html, text);

        await using var session = await transport.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        var reply = await session.SendAsync(outgoing.Message, outgoing.EnvelopeSender, cancellationToken).ConfigureAwait(false);
        LogSent(list.ListName, reply);
    }

    [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "Signup confirmation for list {ListName} sent: {Reply}")]
    private partial void LogSent(string listName, string reply);
}

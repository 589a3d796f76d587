using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Newsletter.Core.Lists;
using Newsletter.Core.Monitoring;
using Newsletter.Core.Signups;
using Newsletter.Delivery.Unsubscribe;

namespace Newsletter.Web.Signups;

/// <summary>
/// The rules of double opt-in: what a signup form may cause (at most one confirmation mail per address, list and day; none to a
/// bounced, refused or complained address, nor to a reader already on the list), and what a confirmation link does (joins the
/// reader once, within its time, and lifts their own earlier unsubscribe from that list).
/// </summary>
public sealed partial class SignupService(
    ISignupStore store,
    ISuppressionList suppressions,
    ConfirmationTokens tokens,
    ConfirmationMailQueue mails,
    IOptions<SignupOptions> options,
    NewsletterMetrics metrics,
    TimeProvider clock,
    ILogger<SignupService> logger) : IDisposable
{
    // In this process: a client's forms are counted where they arrive. The store-wide limit is the one mail per address and day.
    private readonly PartitionedRateLimiter<string> _perClient = PartitionedRateLimiter.Create<string, string>(client =>
        RateLimitPartition.GetSlidingWindowLimiter(client, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = options.Value.ClientLimit,
            Window = TimeSpan.FromMinutes(options.Value.ClientWindowMinutes),
            SegmentsPerWindow = 10,
            QueueLimit = 0,
        }));

    /// <summary>Takes one of <paramref name="client"/>'s signups for the window; false (and counted) when it has used them all.</summary>
    public bool TryAdmit(ListSignup list, string client)
    {
        using var lease = _perClient.AttemptAcquire(client);
        if (lease.IsAcquired) return true;
        metrics.SignupRateLimited(list.ListName);
        return false;
    }

    /// <summary>Handles a signup form of <paramref name="list"/>.</summary>
    /// <param name="problem">When the answer is <see cref="SignupAnswer.FormWithError"/>, what is wrong, for the reader.</param>
    public async Task<(SignupAnswer Answer, string? Problem)> RequestAsync(ListSignup list, SignupForm form, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(form.Honeypot))
        {
            return Refused(list, "honeypot");
        }
        if (form.Email is { Length: > SignupOptions.MaxEmailLength })
        {
            metrics.SignupRefused(list.ListName, "invalid_address");
            return (SignupAnswer.FormWithError, $"The address is too long (at most {SignupOptions.MaxEmailLength} characters).");
        }
        if (!EmailAddressRules.TryNormalize(form.Email, out var email, out var reason))
        {
            metrics.SignupRefused(list.ListName, "invalid_address");
            var typed = form.Email?.Trim() ?? "";
            return (SignupAnswer.FormWithError, typed.Length == 0 ? $"The address {reason}." : $"'{typed}' {reason}.");
        }
        var name = string.IsNullOrWhiteSpace(form.Name) ? null : form.Name.Trim();
        if (name is { Length: > SignupOptions.MaxNameLength } || (name?.Any(char.IsControl) ?? false))
        {
            metrics.SignupRefused(list.ListName, "invalid_name");
            return (SignupAnswer.FormWithError, $"The name must be at most {SignupOptions.MaxNameLength} characters, on one line (or leave it empty).");
        }

        metrics.SignupRequested(list.ListName);
        var held = await suppressions.FindAsync(email, cancellationToken);
        // A bounce, refusal or complaint (suppressed everywhere) means no mail at all; the reader's own unsubscribe from this
        // list does not: confirming again is how they come back.
        if (held.Any(s => s.ListName is null || (s.ListName == list.ListName && s.Reason != SuppressionReason.Unsubscribed)))
        {
            return Refused(list, "suppressed");
        }
        var unsubscribedHere = held.Any(s => s.ListName == list.ListName);
        if (!unsubscribedHere && await store.IsJoinedAsync(list.ListName, email, cancellationToken))
        {
            return Refused(list, "already_subscribed");
        }

        // The hash of the text the form showed, as the form says: a snippet pasted on another site may show an older text.
        var consent = ListSignup.IsConsentHash(form.ConsentHash) ? form.ConsentHash! : list.ConsentHash;
        var request = new SignupRequest(list.ListName, email, name, consent);
        var validFor = TimeSpan.FromHours(options.Value.LinkValidHours);
        var nonce = await store.RequestAsync(request, validFor, SignupOptions.MailInterval, cancellationToken);
        if (nonce is null)
        {
            return Refused(list, "recently_mailed");
        }
        if (!mails.TryEnqueue(list, request, nonce, clock.GetUtcNow() + validFor))
        {
            await store.WithdrawAsync(list.ListName, email, nonce, cancellationToken);
            return Refused(list, "mail_failed");
        }
        LogRequested(list.ListName);
        return (SignupAnswer.CheckInbox, null);
    }

    /// <summary>What the link's page should say before anything is pressed (a GET): changes nothing.</summary>
    public ConfirmationAnswer Inspect(string token, out ConfirmationTokens.Confirmation confirmation)
    {
        if (!tokens.TryRead(token, out confirmation)) return ConfirmationAnswer.NotValid;
        return confirmation.HasExpired(clock.GetUtcNow()) ? ConfirmationAnswer.Expired : ConfirmationAnswer.Valid;
    }

    /// <summary>The Confirm button's POST: joins the reader if the link is valid, in time and unused.</summary>
    public async Task<(ConfirmationAnswer Answer, JoinedReader? Reader)> ConfirmAsync(string token, CancellationToken cancellationToken)
    {
        var answer = Inspect(token, out var link);
        if (answer != ConfirmationAnswer.Valid) return (answer, null);
        var reader = await store.ConfirmAsync(link.ListName, link.Email, link.Nonce, cancellationToken);
        if (reader is null) return (ConfirmationAnswer.AlreadyUsed, null);

        // They asked again and proved the address: their own earlier unsubscribe from this list no longer stands.
        var lifted = await suppressions.RemoveAsync(reader.Email, reader.ListName, SuppressionReason.Unsubscribed, cancellationToken);
        metrics.SignupConfirmed(reader.ListName);
        LogConfirmed(reader.ListName, lifted);
        return (ConfirmationAnswer.Valid, reader);
    }

    public void Dispose() => _perClient.Dispose();

    private (SignupAnswer, string?) Refused(ListSignup list, string reason)
    {
        metrics.SignupRefused(list.ListName, reason);
        return (SignupAnswer.CheckInbox, null);
    }

    [LoggerMessage(EventId = 5403, Level = LogLevel.Information, Message = "Signup to list {ListName} requested; confirmation mail queued")]
    // No address in the log: we keep about a reader only what the law asks us to prove, and a log is not that record.
    private partial void LogRequested(string listName);

    [LoggerMessage(EventId = 5404, Level = LogLevel.Information, Message = "A reader confirmed and joined list {ListName} (an earlier unsubscribe lifted: {Lifted})")]
    private partial void LogConfirmed(string listName, bool lifted);
}

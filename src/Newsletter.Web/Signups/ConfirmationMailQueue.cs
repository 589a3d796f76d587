using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Newsletter.Core.Monitoring;
using Newsletter.Core.Signups;
using Newsletter.Delivery.Signups;

namespace Newsletter.Web.Signups;

/// <summary>
/// Sends signup confirmation mails as soon as they are queued, one at a time, off the request: the form's answer takes the same
/// time whether a mail goes or not, so its timing cannot tell a stranger which addresses are on a list. A mail that cannot be
/// sent withdraws its waiting signup, so the reader may ask again at once.
/// </summary>
public sealed partial class ConfirmationMailQueue(ConfirmationMailer mailer, ISignupStore store, NewsletterMetrics metrics, ILogger<ConfirmationMailQueue> logger)
    : BackgroundService
{
    /// <summary>Beyond this many unsent mails (the transport is down, say), new signups are turned away rather than held in memory.</summary>
    private const int Capacity = 1000;

    private readonly Channel<Mail> _queue = Channel.CreateBounded<Mail>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Queues a mail; false when the queue is full.</summary>
    public bool TryEnqueue(ListSignup list, SignupRequest request, string nonce, DateTimeOffset expiresAt) =>
        _queue.Writer.TryWrite(new Mail(list, request, nonce, expiresAt));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var mail in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await mailer.SendAsync(mail.List, mail.Request, mail.Nonce, mail.ExpiresAt, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(ex, mail.List.ListName);
                metrics.SignupRefused(mail.List.ListName, "mail_failed");
                await store.WithdrawAsync(mail.List.ListName, mail.Request.Email, mail.Nonce, CancellationToken.None);
            }
        }
    }

    private sealed record Mail(ListSignup List, SignupRequest Request, string Nonce, DateTimeOffset ExpiresAt);

    [LoggerMessage(EventId = 5402, Level = LogLevel.Error, Message = "Signup confirmation for list {ListName} could not be sent; the signup was withdrawn so the reader may try again")]
    private partial void LogFailed(Exception exception, string listName);
}

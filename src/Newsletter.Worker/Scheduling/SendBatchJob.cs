using Hangfire;
using MimeKit;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Worker.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Transports;

namespace Newsletter.Worker.Scheduling;

/// <summary>
/// Sends one batch of a send over one transport session (one SMTP connection), recording each outcome as soon as it is known.
/// </summary>
/// <remarks>
/// Hangfire runs a job at least once, and the SQLite storage can hand one job to two workers, so every delivery is
/// claimed in the delivery log before it is sent: whoever loses the claim skips it. A broken connection releases the
/// delivery it was sending and fails the job, and Hangfire's retry sends what is still pending on a fresh connection.
/// </remarks>
[AutomaticRetry(Attempts = 6, DelaysInSeconds = [10, 30, 120, 600, 1800, 3600], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
public sealed partial class SendBatchJob(
    IDeliveryLog log,
    RenderedIssueCache renders,
    MailingListCatalog lists,
    IssueMessageBuilder messages,
    IMailTransport transport,
    ILogger<SendBatchJob> logger)
{
    /// <exception cref="TransientDeliveryException">The connection failed; the job should be retried.</exception>
    public async Task RunAsync(long sendId, int batchNumber, CancellationToken cancellationToken)
    {
        var send = await log.GetSendAsync(sendId, cancellationToken)
            ?? throw new InvalidOperationException($"Send {sendId} is not in the delivery log.");
        var pending = (await log.GetBatchAsync(sendId, batchNumber, cancellationToken))
            .Where(d => d.State == DeliveryState.Pending)
            .ToList();
        if (pending.Count == 0)
        {
            LogNothingPending(send.IssueNumber, batchNumber);
            await log.TryMarkSendFinishedAsync(sendId, cancellationToken);
            return;
        }

        var list = new MailingList(send.ListName, lists.DisplayNameOf(send.ListName), []);
        var rendered = await renders.GetAsync(send.IssueNumber, list, cancellationToken);
        var claimant = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        int sent = 0, failed = 0, skipped = 0;

        IMailTransportSession? session = null;
        try
        {
            foreach (var delivery in pending)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!await log.TryClaimAsync(delivery.Id, claimant, cancellationToken))
                {
                    skipped++;
                    continue;
                }

                var subscriber = new Subscriber(delivery.Email, delivery.Name);
                MimeMessage message;
                try
                {
                    var content = rendered.Personalise(subscriber.Name, messages.UnsubscribeUrl(list, subscriber));
                    message = messages.Build(new IssueMessageContent(send.IssueNumber, rendered.Subject, content.Html, content.Text), list, subscriber);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A message that cannot be built for one subscriber is that subscriber's failure, not the batch's.
                    await log.RecordFailedAsync(delivery.Id, $"could not build the message: {ex.Message}", CancellationToken.None);
                    failed++;
                    continue;
                }

                try
                {
                    session ??= await transport.OpenSessionAsync(cancellationToken);
                    var reply = await session.SendAsync(message, messages.EnvelopeSenderFor(subscriber), cancellationToken);
                    // Once the server has the message, the outcome is recorded even if we are shutting down.
                    await log.RecordSentAsync(delivery.Id, reply, CancellationToken.None);
                    sent++;
                }
                catch (Exception ex) when (ex is RecipientRejectedException or MessageRejectedException)
                {
                    await log.RecordFailedAsync(delivery.Id, ex.Message, CancellationToken.None);
                    LogRejected(send.IssueNumber, delivery.Email, ex.Message);
                    failed++;
                }
                catch (Exception ex)
                {
                    await log.ReleaseAsync(delivery.Id, ex.Message, CancellationToken.None);
                    LogConnectionFailed(send.IssueNumber, batchNumber, ex.Message);
                    throw;
                }
            }
        }
        finally
        {
            if (session is not null)
            {
                await session.DisposeAsync();
            }
        }

        LogBatchDone(send.IssueNumber, send.ListName, batchNumber, sent, failed, skipped);
        await log.TryMarkSendFinishedAsync(sendId, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Issue #{IssueNumber} batch {BatchNumber}: nothing pending")]
    private partial void LogNothingPending(int issueNumber, int batchNumber);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Issue #{IssueNumber}: {Email} refused: {Reason}")]
    private partial void LogRejected(int issueNumber, string email, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Issue #{IssueNumber} batch {BatchNumber}: connection failed, the batch will be retried: {Reason}")]
    private partial void LogConnectionFailed(int issueNumber, int batchNumber, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} to {ListName} batch {BatchNumber}: {Sent} sent, {Failed} failed, {Skipped} already claimed elsewhere")]
    private partial void LogBatchDone(int issueNumber, string listName, int batchNumber, int sent, int failed, int skipped);
}

using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Storage;
using Newsletter.Tests.Storage;

namespace Newsletter.Tests.Bounces;

/// <summary>Records issues as sent through the real delivery log, the way a batch job does.</summary>
internal static class SentIssues
{
    /// <summary>Creates the send of <paramref name="issueNumber"/> to a list of these addresses and records each as sent.</summary>
    /// <param name="messageIds">The Message-ID recorded for each address (null: none), by address.</param>
    public static async Task SendAsync(TestDeliveryLog log, int issueNumber, IReadOnlyList<string> emails, IReadOnlyDictionary<string, string>? messageIds = null)
    {
        var list = new MailingList("weekly", "Weekly readers", emails.Select(e => new Subscriber(e, null)).ToList());
        var send = await log.CreateSendAsync(issueNumber, list, batchSize: 100, scheduledFor: null, CancellationToken.None);
        foreach (var delivery in await log.GetBatchAsync(send.Id, 0, CancellationToken.None))
        {
            await log.RecordSentAsync(delivery.Id, "250 2.0.0 Ok: queued", messageIds?.GetValueOrDefault(delivery.Email), CancellationToken.None);
        }
    }
}

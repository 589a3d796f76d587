using Newsletter.Core.Bounces;
using Newsletter.Core.Deliveries;

namespace Newsletter.Delivery.Bounces;

/// <summary>
/// Finds the delivery a bounce or a complaint is about, from what the report carries: the Message-ID of the message we sent
/// (which names the exact delivery, so the reader, the issue and the list), or an address we sent to.
/// </summary>
public sealed class SentMessageMatcher(ISentMessageLookup sentMessages, ISendStore sends, IBounceStore bounceStore)
{
    /// <summary>The delivery whose message had the first of these Message-IDs that we recorded, or null.</summary>
    public async Task<SentDelivery?> ByMessageIdAsync(IEnumerable<string> messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        foreach (var messageId in messageIds)
        {
            if (await sentMessages.FindByMessageIdAsync(messageId, cancellationToken) is { } delivery
                && await sends.GetSendAsync(delivery.SendId, cancellationToken) is { } send)
            {
                return new SentDelivery(delivery.Id, send.Id, send.IssueNumber, send.ListName, delivery.Email);
            }
        }
        return null;
    }

    /// <summary>
    /// The delivery of <paramref name="issueNumber"/> sent to the address, or, when the issue is not known, the most recent one
    /// sent to it; null when we sent it nothing (that issue).
    /// </summary>
    public Task<SentDelivery?> ByAddressAsync(string address, int? issueNumber, CancellationToken cancellationToken) =>
        issueNumber is { } issue
            ? bounceStore.FindSentAsync(address, issue, cancellationToken)
            : bounceStore.FindLastSentAsync(address, cancellationToken);
}

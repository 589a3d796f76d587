namespace Newsletter.Core.Deliveries;

/// <summary>Finds the delivery a message was sent for, so a bounce quoting its Message-ID can be traced back to it.</summary>
public interface ISentMessageLookup
{
    /// <summary>The delivery whose message had this Message-ID (with or without angle brackets), if any.</summary>
    Task<Delivery?> FindByMessageIdAsync(string messageId, CancellationToken cancellationToken);
}

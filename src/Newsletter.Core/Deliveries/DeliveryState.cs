namespace Newsletter.Core.Deliveries;

/// <summary>Where one (issue, subscriber) delivery stands. The delivery log is the source of truth.</summary>
public enum DeliveryState
{
    /// <summary>Recorded, waiting for a batch to claim it.</summary>
    Pending,
    /// <summary>Claimed by one batch run, which is handing it to the transport now. At most one per open connection.</summary>
    Sending,
    /// <summary>A transient failure (4xx, dropped connection, timeout); it is tried again at its next attempt time.</summary>
    Deferred,
    /// <summary>The server accepted it; the reply is kept.</summary>
    Sent,
    /// <summary>Refused for good (5xx), or retried until the retry window closed; the reason is kept.</summary>
    Failed,
    /// <summary>Not sent because the address is on the suppression list.</summary>
    Suppressed,
    /// <summary>Not sent because an operator cancelled the send.</summary>
    Cancelled,
}

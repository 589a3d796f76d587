namespace Newsletter.Core.Deliveries;

/// <summary>Where one (issue, subscriber) delivery stands. The delivery log is the source of truth.</summary>
public enum DeliveryState
{
    /// <summary>Recorded, not yet claimed by a batch.</summary>
    Pending,
    /// <summary>Claimed by one batch run, which is handing it to the transport now.</summary>
    Sending,
    /// <summary>The server accepted it; the reply is kept.</summary>
    Sent,
    /// <summary>Refused for good; the reason is kept.</summary>
    Failed,
}

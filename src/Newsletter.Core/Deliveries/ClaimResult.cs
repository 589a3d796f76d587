namespace Newsletter.Core.Deliveries;

/// <summary>What <see cref="IDeliveryClaimSession.TryClaimAsync"/> did.</summary>
public enum ClaimResult
{
    /// <summary>The caller owns the delivery now and must send it and record the outcome.</summary>
    Claimed,
    /// <summary>Another run claimed it, it is already done, or it is deferred to later: skip it.</summary>
    NotAvailable,
    /// <summary>The address is on the suppression list; the delivery was marked suppressed.</summary>
    Suppressed,
    /// <summary>The send is paused or cancelled: stop the batch.</summary>
    SendStopped,
}

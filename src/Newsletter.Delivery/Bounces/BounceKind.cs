namespace Newsletter.Delivery.Bounces;

/// <summary>What a delivery status notification says happened to a recipient, ordered from harmless to permanent.</summary>
public enum BounceKind
{
    /// <summary>Not a failure: delivered, relayed or expanded, or a delay warning while the sender still retries.</summary>
    None = 0,

    /// <summary>The sending server gave up on a transient failure (Action failed, status 4.x.x): counted, suppressed only after repeats.</summary>
    Soft = 1,

    /// <summary>A permanent failure (Action failed, status 5.x.x): the address is suppressed.</summary>
    Hard = 2,
}

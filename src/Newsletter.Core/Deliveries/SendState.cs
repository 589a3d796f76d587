namespace Newsletter.Core.Deliveries;

/// <summary>The life of a send, a closed set.</summary>
public enum SendState
{
    /// <summary>Deliveries recorded; the fan-out job is queued or scheduled.</summary>
    Scheduled,
    /// <summary>Batches are queued or running.</summary>
    Running,
    /// <summary>Stopped by an operator or by the error budget; nothing is claimed until it is resumed.</summary>
    Paused,
    /// <summary>Stopped for good by an operator; what was not sent is marked cancelled.</summary>
    Cancelled,
    /// <summary>Nothing is pending, sending or deferred any more.</summary>
    Finished,
}

namespace Newsletter.Core.Deliveries;

/// <summary>The life of a send, a closed set.</summary>
public enum SendState
{
    /// <summary>Deliveries recorded; the fan-out job is queued or scheduled.</summary>
    Scheduled,
    /// <summary>Batches are queued or running.</summary>
    Running,
    /// <summary>No delivery is pending or sending any more.</summary>
    Finished,
}

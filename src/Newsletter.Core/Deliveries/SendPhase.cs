namespace Newsletter.Core.Deliveries;

/// <summary>Where a send stands as operators read it (see <see cref="SendProgress.Phase"/>): a closed set.</summary>
public enum SendPhase
{
    /// <summary>Waiting for the time it was given.</summary>
    Scheduled,
    /// <summary>Queued or sending: deliveries are pending, in flight or deferred.</summary>
    InProgress,
    /// <summary>Stopped until resumed (by an operator, the error budget or a broken template).</summary>
    Paused,
    /// <summary>Stopped for good.</summary>
    Cancelled,
    /// <summary>Nothing is left to hand to the mail server.</summary>
    Finished,
}

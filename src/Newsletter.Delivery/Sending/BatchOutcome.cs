namespace Newsletter.Delivery.Sending;

/// <summary>What one run of <see cref="BatchSender"/> over a batch did.</summary>
/// <param name="Skipped">Deliveries another run had claimed or finished, or whose address is suppressed.</param>
/// <param name="Stopped">The send was paused, cancelled or halted (before or during this run): nothing more is sent.</param>
/// <param name="RunAgainAt">
/// When the batch's first deferred delivery falls due, when that is too far off to wait for in this run: the caller runs the
/// batch again then. Null when nothing is left to retry, or the send stopped.
/// </param>
public sealed record BatchOutcome(int Sent, int Failed, int Deferred, int Skipped, bool Stopped, DateTimeOffset? RunAgainAt);

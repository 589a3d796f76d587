namespace Newsletter.Core.Deliveries;

/// <summary>How many deliveries are in each state.</summary>
/// <param name="Uncertain">
/// Deliveries resent after a crash or a lost reply, where the server may already have taken the first copy:
/// the one case SMTP cannot rule out a duplicate.
/// </param>
public sealed record DeliveryCounts(
    int Pending,
    int Sending,
    int Sent,
    int Failed,
    int Deferred = 0,
    int Suppressed = 0,
    int Cancelled = 0,
    int Uncertain = 0)
{
    public static readonly DeliveryCounts None = new(0, 0, 0, 0);

    public int Total => Pending + Sending + Deferred + Sent + Failed + Suppressed + Cancelled;

    /// <summary>Deliveries that still have to reach the server: a send is never finished while this is above zero.</summary>
    public int Outstanding => Pending + Sending + Deferred;

    /// <summary>True when nothing is left to hand to the transport.</summary>
    public bool IsComplete => Outstanding == 0;

    public static DeliveryCounts operator +(DeliveryCounts a, DeliveryCounts b) => new(
        a.Pending + b.Pending, a.Sending + b.Sending, a.Sent + b.Sent, a.Failed + b.Failed,
        a.Deferred + b.Deferred, a.Suppressed + b.Suppressed, a.Cancelled + b.Cancelled, a.Uncertain + b.Uncertain);
}

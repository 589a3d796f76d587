namespace Newsletter.Core.Deliveries;

/// <summary>How many deliveries are in each state.</summary>
public sealed record DeliveryCounts(int Pending, int Sending, int Sent, int Failed)
{
    public int Total => Pending + Sending + Sent + Failed;

    /// <summary>True when nothing is left to hand to the transport.</summary>
    public bool IsComplete => Pending == 0 && Sending == 0;
}

namespace Newsletter.Core.Bounces;

/// <summary>A delivery that was sent: its id, its issue, and the address as the list spells it.</summary>
public sealed record SentDelivery(long DeliveryId, int IssueNumber, string Email);

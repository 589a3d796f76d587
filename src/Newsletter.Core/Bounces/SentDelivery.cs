namespace Newsletter.Core.Bounces;

/// <summary>A delivery that was sent: its id, its send (issue and list), and the address as the list spells it.</summary>
public sealed record SentDelivery(long DeliveryId, long SendId, int IssueNumber, string ListName, string Email);

namespace Newsletter.Delivery.Bounces;

/// <summary>What the bounce processor needs from one delivery status notification.</summary>
/// <param name="Kind">The worst outcome among <paramref name="Recipients"/>.</param>
/// <param name="Recipients">Every per-recipient group with a readable status, in report order.</param>
/// <param name="OriginalMessageIds">
/// Message-IDs of the message that bounced, without angle brackets, best first: from the returned message or its headers,
/// then the report's <c>X-Original-Message-ID</c>, then the notification's <c>In-Reply-To</c> and <c>References</c>.
/// </param>
/// <param name="VerpRecipients">Subscriber addresses decoded from VERP return paths the notification was addressed to.</param>
public sealed record DeliveryStatusReport(
    BounceKind Kind,
    IReadOnlyList<DeliveryStatusRecipient> Recipients,
    IReadOnlyList<string> OriginalMessageIds,
    IReadOnlyList<string> VerpRecipients)
{
    /// <summary>The recipient group that decided <see cref="Kind"/>: the first with the worst outcome.</summary>
    public DeliveryStatusRecipient Worst => Recipients.First(r => r.Kind == Kind);
}

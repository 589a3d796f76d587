namespace Newsletter.Delivery.Bounces;

/// <summary>One per-recipient group of a delivery status notification (RFC 3464 section 2.3).</summary>
/// <param name="FinalRecipient">The address the reporting server tried (the <c>rfc822;</c> type removed), if given.</param>
/// <param name="OriginalRecipient">The address as the sender gave it, if the report says.</param>
/// <param name="Action">failed, delayed, delivered, relayed or expanded, lowercased.</param>
/// <param name="Status">The enhanced status code, e.g. <c>5.1.1</c>.</param>
/// <param name="DiagnosticCode">The remote server's reply (the <c>smtp;</c> type removed), if given.</param>
public sealed record DeliveryStatusRecipient(
    string? FinalRecipient,
    string? OriginalRecipient,
    string Action,
    string Status,
    string? DiagnosticCode,
    BounceKind Kind);

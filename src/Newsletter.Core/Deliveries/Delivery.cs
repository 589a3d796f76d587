namespace Newsletter.Core.Deliveries;

/// <summary>One row of the delivery log: one subscriber of one send.</summary>
/// <param name="Detail">The server's reply when sent, the reason when failed, deferred or suppressed.</param>
/// <param name="NextAttemptAt">When a deferred delivery is tried again.</param>
/// <param name="FirstAttemptAt">When the first attempt was made; retries stop a retry window after it.</param>
public sealed record Delivery(
    long Id,
    long SendId,
    int BatchNumber,
    string Email,
    string? Name,
    DeliveryState State,
    int Attempts,
    string? Detail,
    DateTimeOffset? UpdatedAt,
    DateTimeOffset? NextAttemptAt = null,
    DateTimeOffset? FirstAttemptAt = null);

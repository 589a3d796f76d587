namespace Newsletter.Core.Deliveries;

/// <summary>One row of the delivery log: one subscriber of one send.</summary>
/// <param name="Detail">The server's reply when sent, the reason when failed.</param>
public sealed record Delivery(
    long Id,
    long SendId,
    int BatchNumber,
    string Email,
    string? Name,
    DeliveryState State,
    int Attempts,
    string? Detail,
    DateTimeOffset? UpdatedAt);

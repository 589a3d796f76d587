namespace Newsletter.Core.Deliveries;

/// <summary>One issue going to one list.</summary>
/// <param name="PauseReason">Why the send is paused (an operator, or the error budget), when it is.</param>
public sealed record Send(
    long Id,
    int IssueNumber,
    string ListName,
    SendState State,
    int BatchSize,
    int BatchCount,
    int RecipientCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ScheduledFor,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? PauseReason = null);

namespace Newsletter.Core.Deliveries;

/// <summary>One issue going to one list.</summary>
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
    DateTimeOffset? FinishedAt);

namespace Newsletter.Core.Reports;

/// <summary>What the delivery log and the suppression list say about one issue after its send, as counts only.</summary>
public interface IIssueActivity
{
    /// <summary>Messages the server accepted, per second (UTC), oldest first; seconds with none are left out.</summary>
    Task<IReadOnlyList<TimeCount>> SentPerSecondAsync(int issueNumber, CancellationToken cancellationToken);

    /// <summary>Each failed delivery's list and reason as recorded (the server's reply, or why it was given up).</summary>
    Task<IReadOnlyList<(string ListName, string Reason)>> FailuresAsync(int issueNumber, CancellationToken cancellationToken);

    /// <summary>
    /// Unsubscribes attributed to this issue, per list: the address left after this issue reached it and before any later issue
    /// did. The unsubscribe link names no issue, so this is the attribution that needs nothing more kept about the reader.
    /// (Complaints need no such guess: a feedback report names the message, and each is counted against its send.)
    /// </summary>
    Task<IReadOnlyList<UnsubscribesCount>> UnsubscribesAsync(int issueNumber, CancellationToken cancellationToken);
}

/// <summary>A count in a time bucket that starts at <paramref name="At"/>.</summary>
public sealed record TimeCount(DateTimeOffset At, long Count);

/// <summary>How many of a list's readers unsubscribed after an issue.</summary>
public sealed record UnsubscribesCount(string ListName, int Unsubscribes);

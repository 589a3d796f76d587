namespace Newsletter.Core.Reports;

/// <summary>What an issue did: per list, what happened to the messages and who left; per story, the clicks; and both over time.</summary>
/// <param name="ClicksTracked">Whether the issue went out with tracked links; without them there are no clicks to show.</param>
/// <param name="Stories">Clicks per story, most clicked first (stories without a link are left out).</param>
/// <param name="ClicksOverTime">Clicks per hour (UTC) since the send, every hour from the first to the last click.</param>
/// <param name="SentOverTime">Messages accepted per <paramref name="SentBucket"/> (UTC), every bucket from the first to the last.</param>
/// <param name="SentBucket">The length of a <paramref name="SentOverTime"/> bucket: the shortest of 1 s, 10 s, 1 min, 10 min and
/// 1 h that cuts the send into at most 60, so a send of a minute and one of a day both draw as a readable chart.</param>
public sealed record IssueReport(
    int IssueNumber,
    string Subject,
    DateOnly WeekEnding,
    IReadOnlyList<ListReport> Lists,
    bool ClicksTracked,
    IReadOnlyList<StoryClicks> Stories,
    IReadOnlyList<TimeCount> ClicksOverTime,
    IReadOnlyList<TimeCount> SentOverTime,
    TimeSpan SentBucket)
{
    /// <summary>Said wherever clicks are shown: they count requests, not people.</summary>
    public const string ScannerCaveat =
        "Clicks count browser GETs of the tracked links, which are the same URL for every reader, so no one can tell who clicked. " +
        "Mail security scanners that pose as browsers can still add to them.";

    public long TotalClicks => Stories.Sum(s => s.Clicks);
}

/// <summary>One list's send of the issue.</summary>
/// <param name="Recipients">Deliveries recorded for the list (everyone on it when the send was created).</param>
/// <param name="FailedByReason">Failures grouped by reason, most first.</param>
/// <param name="Unsubscribes">Unsubscribes attributed to this issue (see <see cref="IIssueActivity.UnsubscribesAsync"/>).</param>
/// <param name="Complaints">
/// Feedback-loop complaints about this list's message of this issue: the report names the message, so each is counted against
/// its send (<see cref="Deliveries.SendProgress.Complaints"/>, the count <c>status</c> shows), whenever it arrives.
/// </param>
public sealed record ListReport(
    string ListName,
    string State,
    int Recipients,
    int Sent,
    int Failed,
    IReadOnlyList<ReasonCount> FailedByReason,
    int Deferred,
    int Suppressed,
    int Pending,
    int Unsubscribes,
    int Complaints,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt);

public sealed record ReasonCount(string Reason, int Count);

/// <summary>One story's clicks: all its links together (its own link and those in its summary).</summary>
/// <param name="Rank">1 for the most clicked; stories with as many clicks keep their reading order.</param>
public sealed record StoryClicks(int Rank, string Title, string Section, string Slug, long Clicks);

namespace Newsletter.Core.Bounces;

/// <summary>One message of the bounce mailbox and what became of it.</summary>
/// <param name="Uid">Its id in the folder it was read from (the IMAP UID).</param>
/// <param name="Email">The subscriber it was matched to, if any.</param>
/// <param name="IssueNumber">The issue that bounced or was complained about, if matched.</param>
/// <param name="MatchedBy">
/// How: <c>Message-ID</c>, <c>VERP</c>, <c>Original-Recipient</c> or <c>Final-Recipient</c> for a bounce; <c>Message-ID</c>,
/// <c>VERP</c>, <c>Original-Rcpt-To</c> or <c>To</c> (with <c>+ Feedback-ID</c> when that named the issue) for a complaint.
/// </param>
/// <param name="Status">The enhanced status code that decided a bounce, e.g. <c>5.1.1</c>; a complaint's <c>Feedback-Type</c>.</param>
/// <param name="Detail">The remote server's reply, or why the message could not be used.</param>
/// <param name="SetAside">Where the message went: <c>moved to Processed</c>, <c>marked seen</c>, …</param>
/// <param name="ListName">The list of the send a complaint was counted against, if matched.</param>
public sealed record BounceOutcome(
    uint Uid,
    string? Subject,
    BounceOutcomeKind Kind,
    string? Email,
    int? IssueNumber,
    string? MatchedBy,
    string? Status,
    string? Detail,
    string SetAside,
    string? ListName = null);

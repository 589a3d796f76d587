namespace Newsletter.Core.Bounces;

/// <summary>One message of the bounce mailbox and what became of it.</summary>
/// <param name="Uid">Its id in the folder it was read from (the IMAP UID).</param>
/// <param name="Email">The subscriber it was matched to, if any.</param>
/// <param name="IssueNumber">The issue that bounced, if matched.</param>
/// <param name="MatchedBy">How: <c>Message-ID</c>, <c>VERP</c>, <c>Original-Recipient</c> or <c>Final-Recipient</c>.</param>
/// <param name="Status">The enhanced status code that decided it, e.g. <c>5.1.1</c>.</param>
/// <param name="Detail">The remote server's reply, or why the message could not be used.</param>
/// <param name="SetAside">Where the message went: <c>moved to Processed</c>, <c>marked seen</c>, …</param>
public sealed record BounceOutcome(
    uint Uid,
    string? Subject,
    BounceOutcomeKind Kind,
    string? Email,
    int? IssueNumber,
    string? MatchedBy,
    string? Status,
    string? Detail,
    string SetAside);

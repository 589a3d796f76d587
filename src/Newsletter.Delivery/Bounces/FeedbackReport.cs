namespace Newsletter.Delivery.Bounces;

/// <summary>What the complaint rules need from one feedback-loop report (ARF, RFC 5965).</summary>
/// <param name="FeedbackType">The <c>Feedback-Type</c>, lowercased: <c>abuse</c> (a reader pressed "this is spam"), or
/// <c>fraud</c>, <c>virus</c>, <c>auth-failure</c>, <c>not-spam</c>, <c>other</c>.</param>
/// <param name="UserAgent">Who generated it, e.g. <c>Yahoo!-Mail-Feedback/2.0</c>, if it says.</param>
/// <param name="OriginalMessageIds">Message-IDs of the reported message, without angle brackets: from the attached message or its headers.</param>
/// <param name="FeedbackIdIssueNumber">The issue named by the reported message's <c>Feedback-ID</c> header, when it is one of ours.</param>
/// <param name="Recipients">
/// Addresses the reported message may have been sent to, best first, each with the field it came from: the reader folded
/// into a VERP envelope sender (<c>Original-Mail-From</c>, or the original's <c>Return-Path</c>), the report's
/// <c>Original-Rcpt-To</c>, then the original's <c>To</c> (which Yahoo redacts).
/// </param>
public sealed record FeedbackReport(
    string FeedbackType,
    string? UserAgent,
    IReadOnlyList<string> OriginalMessageIds,
    int? FeedbackIdIssueNumber,
    IReadOnlyList<(string Address, string Field)> Recipients)
{
    /// <summary>The <c>Feedback-Type</c> of a reader's spam complaint.</summary>
    public const string Abuse = "abuse";

    /// <summary>Whether this report is a reader's complaint (<c>Feedback-Type: abuse</c>), the one type that suppresses.</summary>
    public bool IsComplaint => FeedbackType == Abuse;
}

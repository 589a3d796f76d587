namespace Newsletter.Core.Bounces;

/// <summary>What one pass over the bounce mailbox did, message by message, in mailbox order.</summary>
public sealed record BounceProcessingReport(IReadOnlyList<BounceOutcome> Messages)
{
    public int Count(BounceOutcomeKind kind) => Messages.Count(m => m.Kind == kind);

    /// <summary>One line for the log and the CLI: counts by outcome.</summary>
    public string Summary =>
        $"{Messages.Count} message(s): {Count(BounceOutcomeKind.HardBounceSuppressed)} hard bounce(s) suppressed, " +
        $"{Count(BounceOutcomeKind.SoftBounceCounted)} soft bounce(s) counted, {Count(BounceOutcomeKind.SoftBounceSuppressed)} suppressed after soft bounces, " +
        $"{Count(BounceOutcomeKind.NotAFailure)} not a failure, {Count(BounceOutcomeKind.Unmatched)} unmatched, {Count(BounceOutcomeKind.Unrecognised)} unrecognised, " +
        $"{Count(BounceOutcomeKind.Complaint)} complaint(s) suppressed, {Count(BounceOutcomeKind.ComplaintUnmatched)} complaint(s) unmatched";
}

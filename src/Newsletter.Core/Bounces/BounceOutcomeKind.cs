namespace Newsletter.Core.Bounces;

/// <summary>What the processor did with one message of the bounce mailbox: a bounce (DSN) or a complaint (ARF).</summary>
public enum BounceOutcomeKind
{
    /// <summary>A 5.x.x bounce of a subscriber: suppressed on every list.</summary>
    HardBounceSuppressed,

    /// <summary>A 4.x.x bounce of a subscriber: counted, below the limit.</summary>
    SoftBounceCounted,

    /// <summary>A 4.x.x bounce that made the limit of consecutive issues: suppressed on every list.</summary>
    SoftBounceSuppressed,

    /// <summary>A notification of success or of a delay: nothing to do.</summary>
    NotAFailure,

    /// <summary>A readable bounce that names nobody we sent to: nothing suppressed.</summary>
    Unmatched,

    /// <summary>Not a delivery status notification, or a broken one: nothing suppressed, set aside for a person.</summary>
    Unrecognised,

    /// <summary>A feedback-loop report (ARF, <c>Feedback-Type: abuse</c>) about a reader: suppressed on every list, counted against the send.</summary>
    Complaint,

    /// <summary>A feedback-loop report that names nobody we sent to: nothing suppressed, set aside for a person.</summary>
    ComplaintUnmatched,
}

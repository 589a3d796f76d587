namespace Newsletter.Core.Lists;

/// <summary>Why an address is not mailed any more.</summary>
public enum SuppressionReason
{
    /// <summary>The subscriber used the unsubscribe link.</summary>
    Unsubscribed,
    /// <summary>A 5.x.x delivery status notification came back.</summary>
    HardBounce,
    /// <summary>Soft bounces on too many consecutive issues.</summary>
    SoftBounce,
    /// <summary>The subscriber marked the issue as spam (a feedback loop report).</summary>
    Complaint,
    /// <summary>The receiving server refused the address with a 5xx reply during a send.</summary>
    Refused,
}

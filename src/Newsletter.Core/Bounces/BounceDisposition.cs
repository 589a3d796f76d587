namespace Newsletter.Core.Bounces;

/// <summary>Why a message of the bounce mailbox is set aside, which decides where it goes.</summary>
public enum BounceDisposition
{
    /// <summary>Read and acted on (or found harmless): filed away, read.</summary>
    Handled,

    /// <summary>Not a notification the rules can read: kept where a person will see it, flagged.</summary>
    ForAPerson,
}

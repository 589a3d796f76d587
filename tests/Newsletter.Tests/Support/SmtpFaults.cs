namespace Newsletter.Tests.Support;

/// <summary>The SMTP commands whose replies <see cref="SmtpFaults.TransientFailureRate"/> may replace with a transient failure.</summary>
[Flags]
public enum SmtpFaultCommands
{
    None = 0,
    Mail = 1,
    Rcpt = 2,
    /// <summary>The reply after the message content (the client sent the whole message, the server never saw it).</summary>
    Data = 4,
    All = Mail | Rcpt | Data,
}

/// <summary>
/// What <see cref="FaultySmtpProxy"/> does wrong, and how often. Immutable: swap the whole value
/// (<c>proxy.Faults = proxy.Faults with { TransientFailureRate = 0 }</c>) to change faults while clients are connected.
/// </summary>
/// <remarks>
/// Every decision is a hash of <see cref="Seed"/>, the command, a key and how many times that key has been seen, so a
/// run is repeatable: RCPT and DATA faults are keyed by the recipient address (the same recipient fails on the same
/// attempts whatever the interleaving of connections), MAIL faults by the global count of MAIL commands.
/// </remarks>
public sealed record SmtpFaults
{
    public static SmtpFaults None { get; } = new();

    /// <summary>Share (0..1) of MAIL, RCPT and end-of-DATA replies replaced by <see cref="TransientReplyCode"/>; each command rolls separately.</summary>
    public double TransientFailureRate { get; init; }

    /// <summary>451 (the default) keeps the connection open; 421 closes it right after the reply, as RFC 5321 §3.8 says a server does.</summary>
    public int TransientReplyCode { get; init; } = 451;

    /// <summary>
    /// The text after the code of an injected reply, enhanced status first (e.g. <c>4.7.1 Rate limited</c> for throttling);
    /// null for the defaults: <c>4.3.0 Try again later</c>, or <c>4.3.2 Service shutting down</c> with 421.
    /// </summary>
    public string? TransientReplyText { get; init; }

    /// <summary>Which commands <see cref="TransientFailureRate"/> applies to.</summary>
    public SmtpFaultCommands TransientFailureCommands { get; init; } = SmtpFaultCommands.All;

    /// <summary>Share (0..1) of messages during whose DATA the connection is cut, with no reply, after <see cref="DropAfterDataBytes"/>.</summary>
    public double DropDuringDataRate { get; init; }

    /// <summary>How much of the message content reaches the server before a drop (the rest is discarded).</summary>
    public int DropAfterDataBytes { get; init; } = 1024;

    /// <summary>Added before every reply the client receives, the greeting included.</summary>
    public TimeSpan ReplyDelay { get; init; }

    public int Seed { get; init; } = 1;
}

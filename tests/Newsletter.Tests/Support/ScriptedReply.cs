namespace Newsletter.Tests.Support;

/// <summary>
/// What <see cref="FaultySmtpProxy.Script"/> makes happen to one command for one recipient: a reply of our choosing instead of
/// the server's, or (after the content) a connection cut part-way through, or the server's reply lost or held back.
/// </summary>
public sealed record ScriptedReply
{
    /// <summary>The reply sent instead of the server's (the server never sees the command), e.g. <c>552 5.3.4 Message too big</c>.</summary>
    public string? Reply { get; init; }

    /// <summary>DATA only: cut the connection (RST, no reply) once this many bytes of the content have come in.</summary>
    public int? DropAfterDataBytes { get; init; }

    /// <summary>DATA only: the server takes the message, and the connection is cut before its reply reaches the client.</summary>
    public bool LoseReply { get; init; }

    /// <summary>DATA only: the server takes the message, and its reply is held back until the proxy stops.</summary>
    public bool HoldReply { get; init; }

    /// <summary>How many more times it applies; set by <see cref="FaultySmtpProxy.Script"/>.</summary>
    public int Remaining { get; init; }

    public static ScriptedReply With(string reply) => new() { Reply = reply };
}

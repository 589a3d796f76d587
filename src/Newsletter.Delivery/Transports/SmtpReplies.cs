using System.Text.RegularExpressions;

namespace Newsletter.Delivery.Transports;

/// <summary>What an SMTP reply means for the connection that received it.</summary>
public static partial class SmtpReplies
{
    /// <summary>
    /// Whether the reply asks the client to slow down: 421 (the server is closing the connection, RFC 5321 §3.8), or a 4xx
    /// whose enhanced status code (RFC 3463) is in class x.7 (security or policy: rate limits, greylisting, reputation), such as
    /// <c>451 4.7.1</c> or <c>421 4.7.0</c>. Every other 4xx (e.g. <c>451 4.3.0</c>, <c>452 4.2.2</c> mailbox full) is about
    /// the one message or recipient it answered and says nothing about the connection.
    /// </summary>
    public static bool IsThrottling(int? code, string? text) =>
        code == 421 || (code is >= 400 and < 500 && text is not null && PolicyStatus().IsMatch(text));

    [GeneratedRegex(@"^\s*4\.7\.\d{1,3}\b", RegexOptions.CultureInvariant)]
    private static partial Regex PolicyStatus();
}

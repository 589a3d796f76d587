using MimeKit;

namespace Newsletter.Tests.Support;

/// <summary>One message as <see cref="TestSmtpServer"/> received it.</summary>
/// <param name="SessionId">Which SMTP session (connection) it arrived on, numbered from 1 in order of connection.</param>
/// <param name="EnvelopeFrom">MAIL FROM address.</param>
/// <param name="EnvelopeTo">RCPT TO addresses that were accepted.</param>
/// <param name="Raw">The DATA bytes (headers and body, dot-unstuffed, without the final dot line).</param>
public sealed record ReceivedSmtpMessage(int SessionId, string EnvelopeFrom, IReadOnlyList<string> EnvelopeTo, byte[] Raw)
{
    /// <summary>Parses <see cref="Raw"/> with MimeKit.</summary>
    public MimeMessage Parse()
    {
        using var stream = new MemoryStream(Raw, writable: false);
        return MimeMessage.Load(stream);
    }
}

using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Tls;

namespace Newsletter.Delivery.Transports;

/// <summary>
/// Sends through an SMTP relay with MailKit. Each session is one connection, reused for every message
/// of the session. The socket is connected here with TCP_NODELAY set: MailKit's own connect leaves Nagle
/// on, and the final small write of each message then waits for the server's delayed ACK (about 23 msg/s on loopback).
/// </summary>
/// <remarks>
/// MailKit's synchronous API is used on the caller's thread (a job worker's, which waits for the batch anyway): its async path
/// allocates a completion source, a timer and a linked token per read or write and hops to the thread pool on each reply,
/// about a third more CPU per message (the benchmark's transport lever). So that the synchronous calls stay truly blocking,
/// the socket is never used asynchronously (one async call leaves it non-blocking for good), and MailKit is given a token
/// that cannot be cancelled while sending (a cancellable one makes it poll the socket before every read and write). The
/// caller's token still stops a send: cancelling it closes the socket, which fails the call in progress.
/// </remarks>
public sealed partial class SmtpMailTransport : IMailTransport
{
    private const string Section = DeliveryOptions.SectionName + ":Smtp";

    private readonly SmtpOptions _smtp;
    private readonly X509Certificate2Collection _trustedCas = [];
    private readonly ILogger _logger;

    /// <param name="sender">Checked for a valid From address; the envelope sender itself is passed with each message.</param>
    /// <param name="contentRoot">The folder a relative <see cref="SmtpOptions.TrustedCaFile"/> is resolved against (default: the current folder).</param>
    /// <exception cref="ArgumentException">No SMTP host or no valid From address is configured, or the trusted-CA file cannot be read.</exception>
    public SmtpMailTransport(IOptions<DeliveryOptions> delivery, IOptions<SenderOptions> sender, ILogger<SmtpMailTransport>? logger = null, string? contentRoot = null)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(sender);
        _smtp = delivery.Value.Smtp ?? throw new ArgumentException("Newsletter:Delivery:Smtp is missing.", nameof(delivery));
        if (string.IsNullOrWhiteSpace(_smtp.Host))
            throw new ArgumentException("Newsletter:Delivery:Smtp:Host is required when Newsletter:Delivery:Transport is Smtp.", nameof(delivery));
        if (!Core.Lists.EmailAddressRules.TryNormalize(sender.Value.FromAddress, out _, out var reason))
            throw new ArgumentException($"{SenderOptions.SectionName}:FromAddress '{sender.Value.FromAddress}' {reason}.", nameof(sender));
        if (!string.IsNullOrWhiteSpace(_smtp.TrustedCaFile))
        {
            // Read once: the options validator has already checked the file at start.
            if (!TrustedCaFile.TryLoad($"{Section}:TrustedCaFile", ResolvePath(_smtp.TrustedCaFile, contentRoot), out _trustedCas, out var error))
                throw new ArgumentException(error, nameof(delivery));
        }
        _logger = logger ?? NullLogger<SmtpMailTransport>.Instance;
    }

    public string Describe() => $"smtp://{_smtp.Host}:{_smtp.Port}";

    /// <summary>Resolves a configured file path against the folder holding appsettings.json.</summary>
    public static string ResolvePath(string path, string? contentRoot) =>
        Path.GetFullPath(path, contentRoot ?? Directory.GetCurrentDirectory());

    public async Task<IMailTransportSession> OpenSessionAsync(CancellationToken ct)
    {
        // The connection's own thread connects too, so the caller can wait on (and cancel) a relay that answers slowly.
        var thread = new SmtpConnectionThread($"SMTP {Describe()}");
        try
        {
            var (client, wire, _) = await thread.Run(() => Connect(ct)).ConfigureAwait(false);
            return new Session(client, wire, Describe(), thread);
        }
        catch
        {
            thread.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects, secures and logs in as a send would, then says goodbye (QUIT) without sending anything: for <c>newsletter check</c>.
    /// </summary>
    /// <exception cref="DeliveryException"><see cref="DeliveryFailure.SessionRefused"/>: the login, the certificate or the missing
    /// STARTTLS would stop every send; otherwise the relay cannot be reached or answered with an error.</exception>
    public Task<RelayProbe> ProbeAsync(CancellationToken ct)
    {
        var (client, _, validator) = Connect(ct);
        using (client)
        {
            var extensions = client.Capabilities.ToString();
            if (client.AuthenticationMechanisms.Count > 0)
                extensions += $" (AUTH {string.Join(' ', client.AuthenticationMechanisms)})";
            var tls = client.IsSecure ? $"{client.SslProtocol}, certificate {validator.CertificateSummary}" : null;
            var probe = new RelayProbe(Describe(), extensions, tls, validator.RevocationNote, client.IsAuthenticated ? _smtp.User : null);
            try
            {
                client.Timeout = 5000;
                client.Disconnect(quit: true, CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or SmtpCommandException or OperationCanceledException)
            {
                // QUIT is a courtesy; everything the probe wanted to know is known.
            }
            return Task.FromResult(probe);
        }
    }

    private (SmtpClient Client, SmtpWireStream Wire, ServerCertificateValidator Validator) Connect(CancellationToken ct)
    {
        var host = _smtp.Host!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(_smtp.TimeoutSeconds));

        var validator = new ServerCertificateValidator($"{host}:{_smtp.Port}", Section, _trustedCas, _smtp.CertificateRevocation,
            TimeSpan.FromSeconds(Math.Min(_smtp.TimeoutSeconds, 15)));
        var client = new SmtpClient
        {
            Timeout = _smtp.TimeoutSeconds * 1000,
            // MailKit's own revocation check refuses every certificate whose CA publishes no CRL; the validator checks
            // revocation itself, by the policy in CertificateRevocation.
            CheckCertificateRevocation = false,
            ServerCertificateValidationCallback = validator.Validate,
        };
        Socket? socket = null;
        SmtpWireStream? wire = null;
        try
        {
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            // Synchronously, so the socket stays blocking; the timeout (or the caller) ends the connection to give up.
            using var abort = timeout.Token.Register(static s => SmtpWireStream.Abort((Socket)s!), socket);
            try
            {
                socket.Connect(host, _smtp.Port);
                socket.NoDelay = true;
                wire = new SmtpWireStream(socket);
                client.Connect(wire, host, _smtp.Port, ToMailKit(_smtp.Security), CancellationToken.None);
                if (validator.RevocationNote is { } note)
                    LogRevocationUnknown(_logger, Describe(), note);

                if (!string.IsNullOrEmpty(_smtp.User))
                {
                    if (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
                    {
                        throw new DeliveryException(DeliveryFailure.SessionRefused,
                            $"The SMTP relay {Describe()} does not offer AUTH{(client.IsSecure ? "" : " on an unencrypted connection")}, and {Section}:User is set. " +
                            (client.IsSecure ? $"Use the relay's submission port (587 with StartTls, or 465 with SslOnConnect), or remove {Section}:User if it relays without a login."
                                             : $"Set {Section}:Security to StartTls or SslOnConnect (most relays offer AUTH only over TLS), or remove {Section}:User if it relays without a login."));
                    }
                    client.Authenticate(_smtp.User, _smtp.Password ?? "", CancellationToken.None);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or SmtpProtocolException && timeout.IsCancellationRequested)
            {
                timeout.Token.ThrowIfCancellationRequested();
            }

            LogConnected(_logger, Describe());
            return (client, wire!, validator);
        }
        catch (Exception e) when (Refusal(e, validator, client) is { } refused)
        {
            client.Dispose();
            wire?.Dispose();
            socket?.Dispose();
            throw refused;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            client.Dispose();
            wire?.Dispose();
            socket?.Dispose();
            var code = (e as SmtpCommandException)?.StatusCode is { } status ? (int)status : (int?)null;
            // A 5xx while connecting (to EHLO, say) is the server refusing us: waiting will not change it.
            throw new DeliveryException(code is >= 500 ? DeliveryFailure.SenderRefused : SmtpReplies.IsThrottling(code, e.Message) ? DeliveryFailure.Throttled : DeliveryFailure.ConnectionLost,
                $"Could not open an SMTP session to {Describe()}: {Describe(e)}", code, (e as SmtpCommandException)?.Message, inner: e);
        }
        catch
        {
            client.Dispose();
            wire?.Dispose();
            socket?.Dispose();
            throw;
        }
    }

    /// <summary>The failures that only a person can fix, as the exception a send pauses on; null for the rest.</summary>
    private DeliveryException? Refusal(Exception e, ServerCertificateValidator validator, SmtpClient client) => e switch
    {
        DeliveryException { Failure: DeliveryFailure.SessionRefused } refused => refused,
        SslHandshakeException when validator.Problem is { } problem =>
            new DeliveryException(DeliveryFailure.SessionRefused, $"Refused the SMTP relay {Describe()}: {problem}", inner: e),
        // Not the certificate but the handshake itself: SslOnConnect against a port that speaks plain SMTP (its "220" greeting is
        // not a TLS record), or no protocol or cipher in common. Retrying for a day changes nothing; a dropped connection
        // (a socket error or a timeout inside) stays transient.
        SslHandshakeException when !HasInner<SocketException>(e) && !HasInner<TimeoutException>(e) =>
            new DeliveryException(DeliveryFailure.SessionRefused,
                $"Could not negotiate TLS with the SMTP relay {Describe()} ({Section}:Security is {_smtp.Security}): {Innermost(e).Message.Trim()} " +
                $"A port that starts in plain SMTP (25, 587) needs Security StartTls; SslOnConnect is for a port that starts with TLS (465).", inner: e),
        NotSupportedException when _smtp.Security == SmtpSecurity.StartTls && !client.IsSecure =>
            new DeliveryException(DeliveryFailure.SessionRefused,
                $"The SMTP relay {Describe()} does not offer STARTTLS, and {Section}:Security is StartTls: the login and every message would cross " +
                $"the network unencrypted. Use a port of the relay that offers STARTTLS (587) or TLS (465 with Security SslOnConnect); set Security " +
                "to StartTlsWhenAvailable only for a relay on this machine or a network you trust.", inner: e),
        AuthenticationException =>
            new DeliveryException(DeliveryFailure.SessionRefused,
                $"The SMTP relay {Describe()} refused the login '{_smtp.User}': {e.Message.Trim()}. Check {Section}:User and the password in the " +
                "environment variable Newsletter__Delivery__Smtp__Password.", ReplyCodeOf(e.Message), e.Message.Trim(), inner: e),
        _ => null,
    };

    private static bool HasInner<T>(Exception e) where T : Exception
    {
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is T) return true;
        }
        return false;
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    /// <summary>MailKit puts the server's reply text, not its code, in the exception; a leading 5xx code is kept when present.</summary>
    private static int? ReplyCodeOf(string reply) =>
        reply.Length >= 3 && int.TryParse(reply.AsSpan(0, 3), out var code) && code is >= 400 and < 600 ? code : null;

    private static SecureSocketOptions ToMailKit(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTlsWhenAvailable,
    };

    private static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "timed out",
        SmtpCommandException c => $"{(int)c.StatusCode} {c.Message}",
        _ => e.Message,
    };

    [LoggerMessage(EventId = 4200, Level = LogLevel.Debug, Message = "Opened SMTP session to {Server}")]
    private static partial void LogConnected(ILogger logger, string server);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "TLS certificate of {Server} {Note}")]
    private static partial void LogRevocationUnknown(ILogger logger, string server, string note);

    private sealed class Session : IMailTransportSession
    {
        private readonly SmtpClient _client;
        private readonly SmtpWireStream _wire;
        private readonly string _server;
        private int _busy;
        private bool _broken;

        private readonly SmtpConnectionThread _thread;

        public Session(SmtpClient client, SmtpWireStream wire, string server, SmtpConnectionThread thread)
        {
            _client = client;
            _wire = wire;
            _server = server;
            _thread = thread;
        }

        public bool IsUsable => !_broken && _client.IsConnected;

        public Task<string> SendAsync(MimeMessage message, MailboxAddress envelopeSender, CancellationToken ct)
        {
            ArgumentNullException.ThrowIfNull(message);
            ArgumentNullException.ThrowIfNull(envelopeSender);
            return _thread.Run(() => Send(message, envelopeSender, ct));
        }

        /// <summary>One message, blocking, on the connection's thread.</summary>
        private string Send(MimeMessage message, MailboxAddress envelopeSender, CancellationToken ct)
        {
            if (Interlocked.Exchange(ref _busy, 1) == 1)
                throw new InvalidOperationException("An SMTP session sends one message at a time; open one session per worker.");

            try
            {
                if (!IsUsable)
                    throw new DeliveryException(DeliveryFailure.ConnectionLost, $"The SMTP session to {_server} is no longer usable; open a new one.");

                var recipients = message.To.Mailboxes.ToList();
                if (recipients.Count == 0)
                    throw new ArgumentException("The message has no To recipient.", nameof(message));

                ct.ThrowIfCancellationRequested();
                _wire.ResetHandedOver();
                // Cancelling closes the connection under MailKit: the blocking call in progress then fails and is reported below.
                using (ct.Register(static wire => ((SmtpWireStream)wire!).Abort(), _wire))
                {
                    return _client.Send(FormatOptions.Default, message, envelopeSender, recipients, CancellationToken.None);
                }
            }
            catch (SmtpCommandException e)
            {
                var code = (int)e.StatusCode;
                var failure = Classify(e);
                // MailKit resets the transaction (RSET) before it throws, so after one message's own failure the connection
                // carries on with the next recipient; throttling, a refused sender or a closed connection end the session.
                if (failure is not (DeliveryFailure.RecipientRefused or DeliveryFailure.MessageDeferred or DeliveryFailure.MessageRefused)
                    || !_client.IsConnected)
                {
                    _broken = true;
                    if (failure == DeliveryFailure.MessageDeferred)
                        failure = DeliveryFailure.ConnectionLost;
                }

                var mailbox = e.Mailbox?.Address ?? (failure == DeliveryFailure.RecipientRefused ? RecipientsOf(message) : null);
                throw new DeliveryException(failure, failure switch
                {
                    DeliveryFailure.RecipientRefused => $"Recipient {mailbox} was rejected: {code} {e.Message}",
                    DeliveryFailure.MessageRefused => $"Message was rejected: {code} {e.Message}",
                    DeliveryFailure.MessageDeferred => $"Deferred by the server: {code} {e.Message}",
                    _ => $"SMTP server {_server} replied {code} {e.Message}",
                }, code, e.Message, mailbox, e);
            }
            catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException
                                          or OperationCanceledException or TimeoutException or ObjectDisposedException)
            {
                _broken = true;
                // Once the end of the message went out, the server may have queued it even though its reply never arrived:
                // whether the reply was lost to the network, to a timeout, or to our own cancellation, the message is then
                // uncertain, not unsent.
                var handedOver = _wire.HandedOver;
                if (ct.IsCancellationRequested && !handedOver)
                    throw new OperationCanceledException($"Stopped before the message to {_server} was out.", e, ct);
                throw new DeliveryException(handedOver ? DeliveryFailure.ReplyLost : DeliveryFailure.ConnectionLost,
                    ct.IsCancellationRequested ? $"Stopped while the reply of {_server} to the message was on its way"
                                               : $"Lost the SMTP session to {_server}: {e.Message}", inner: e);
            }
            finally
            {
                Volatile.Write(ref _busy, 0);
            }
        }

        private static string RecipientsOf(MimeMessage message) => string.Join(", ", message.To.Mailboxes.Select(m => m.Address));

        /// <summary>What a refusing reply means, by the command it answered (MailKit's <see cref="SmtpErrorCode"/>) and its code.</summary>
        private static DeliveryFailure Classify(SmtpCommandException e)
        {
            var code = (int)e.StatusCode;
            if (SmtpReplies.IsThrottling(code, e.Message))
                return DeliveryFailure.Throttled;
            return (e.ErrorCode, code) switch
            {
                (SmtpErrorCode.RecipientNotAccepted, >= 500 and < 600) => DeliveryFailure.RecipientRefused,
                (SmtpErrorCode.MessageNotAccepted, >= 500 and < 600) => DeliveryFailure.MessageRefused,
                // A refused sender is a configuration problem that would hit every recipient: it must not mark subscribers failed.
                (_, >= 500 and < 600) => DeliveryFailure.SenderRefused,
                // Any other 4xx (451 4.3.0, 452 mailbox full) is about the message it answered and says nothing about the connection.
                (_, >= 400 and < 500) => DeliveryFailure.MessageDeferred,
                // A code that makes no sense here: the connection is not to be trusted further.
                _ => DeliveryFailure.ConnectionLost,
            };
        }

        public ValueTask DisposeAsync()
        {
            try
            {
                if (!_broken && _client.IsConnected)
                {
                    // Synchronously, like every call on this socket; a relay that does not answer QUIT is not waited for long.
                    _client.Timeout = 5000;
                    _client.Disconnect(quit: true, CancellationToken.None);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or SmtpCommandException or OperationCanceledException or ServiceNotConnectedException)
            {
                // QUIT is a courtesy; the messages are already accepted or already reported.
            }
            finally
            {
                _client.Dispose();
                _wire.Dispose();
                _thread.Dispose();
            }
            return ValueTask.CompletedTask;
        }
    }
}

using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Tls;
using Newsletter.Delivery.Transports;
using Newsletter.Tests.Support;
using static Newsletter.Tests.Delivery.DeliveryTestData;

namespace Newsletter.Tests.Delivery;

/// <summary>
/// The SMTP transport against a real Postfix submission relay (STARTTLS, SSL on connect, SASL AUTH through Dovecot, a
/// throwaway CA), which hands what it accepts to an in-process SMTP server.
/// </summary>
public sealed class RelayTlsTests(PostfixRelay relay) : IClassFixture<PostfixRelay>
{
    private const int TestTimeout = 60_000;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private SmtpMailTransport Transport(int port, SmtpSecurity security, (string User, string Password)? login, bool trustTheCa = true,
        CertificateRevocation revocation = CertificateRevocation.SoftFail) => new(
        Options.Create(new DeliveryOptions
        {
            Transport = MailTransportKind.Smtp,
            Smtp = new SmtpOptions
            {
                Host = relay.Host,
                Port = port,
                Security = security,
                TimeoutSeconds = 20,
                User = login?.User,
                Password = login?.Password,
                TrustedCaFile = trustTheCa ? relay.CertificateAuthority.CaFile : null,
                CertificateRevocation = revocation,
            },
        }),
        Options.Create(Sender));

    private static MimeMessage MessageTo(string email) => Builder().Build(Content(), List, new Subscriber(email, null)).Message;

    /// <summary>Sends one message to a unique address and returns it as the relay delivered it.</summary>
    private async Task<MimeMessage> SendThroughAsync(SmtpMailTransport transport)
    {
        var recipient = $"reader-{Guid.NewGuid():N}@example.com";
        await using (var session = await transport.OpenSessionAsync(CancellationToken.None))
        {
            await session.SendAsync(MessageTo(recipient), Envelope, CancellationToken.None);
        }
        var deadline = DateTime.UtcNow + Wait;
        while (DateTime.UtcNow < deadline)
        {
            if (relay.Destination.Received.FirstOrDefault(m => m.EnvelopeTo.Contains(recipient)) is { } arrived)
            {
                return arrived.Parse();
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The relay did not deliver the message to {recipient} within {Wait}. Postfix's log:{Environment.NewLine}{relay.ReadLog()}");
    }

    /// <summary>The Received header Postfix added when it accepted the message from us.</summary>
    private static string ReceivedByRelay(MimeMessage message) =>
        message.Headers.Where(h => h.Field == "Received").Select(h => h.Value).First(v => v.Contains("relay.test", StringComparison.Ordinal));

    [Fact(Timeout = TestTimeout)]
    public async Task Send_GoesThroughTheRelayEncryptedAndLoggedIn_WhenSecurityIsStartTlsAndTheLoginIsRight()
    {
        var login = relay.CreateLogin();

        var delivered = await SendThroughAsync(Transport(relay.StartTlsPort, SmtpSecurity.StartTls, login));

        var received = ReceivedByRelay(delivered);
        Assert.Contains("using TLS", received);
        Assert.Contains($"Authenticated sender: {login.User}", received);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Send_GoesThroughTheRelayEncrypted_WhenSecurityIsSslOnConnect()
    {
        var login = relay.CreateLogin();

        var delivered = await SendThroughAsync(Transport(relay.SslOnConnectPort, SmtpSecurity.SslOnConnect, login));

        var received = ReceivedByRelay(delivered);
        Assert.Contains("using TLS", received);
        Assert.Contains($"Authenticated sender: {login.User}", received);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task OpenSession_IsRefusedWithTheServersReplyAndWithoutThePassword_WhenThePasswordIsWrong()
    {
        var login = relay.CreateLogin();
        const string WrongPassword = "wrong-password-7f3a9c";

        var refused = await Assert.ThrowsAsync<DeliveryException>(() =>
            Transport(relay.StartTlsPort, SmtpSecurity.StartTls, (login.User, WrongPassword)).OpenSessionAsync(CancellationToken.None));
        Assert.Equal(DeliveryFailure.SessionRefused, refused.Failure);

        Assert.Contains("authentication failed", refused.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(login.User, refused.Message);
        Assert.Contains("Newsletter__Delivery__Smtp__Password", refused.Message);
        Assert.DoesNotContain(WrongPassword, refused.ToString());
    }

    [Fact(Timeout = TestTimeout)]
    public async Task OpenSession_RefusesTheCertificateAndSaysHowToTrustIt_WhenItsCaIsNotTrusted()
    {
        var refused = await Assert.ThrowsAsync<DeliveryException>(() =>
            Transport(relay.StartTlsPort, SmtpSecurity.StartTls, relay.CreateLogin(), trustTheCa: false).OpenSessionAsync(CancellationToken.None));
        Assert.Equal(DeliveryFailure.SessionRefused, refused.Failure);

        Assert.Contains("not trusted by this machine", refused.Message);
        Assert.Contains("Newsletter:Delivery:Smtp:TrustedCaFile", refused.Message);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Probe_AcceptsTheCertificateAndNotesTheUnknownRevocation_WhenItsCaPublishesNoCrlAndRevocationIsSoftFail()
    {
        var probe = await Transport(relay.StartTlsPort, SmtpSecurity.StartTls, relay.CreateLogin()).ProbeAsync(CancellationToken.None);

        Assert.NotNull(probe.Tls);
        Assert.Contains("SoftFail", probe.RevocationNote);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task OpenSession_RefusesTheCertificateNamingTheSetting_WhenItsCaPublishesNoCrlAndRevocationIsStrict()
    {
        var refused = await Assert.ThrowsAsync<DeliveryException>(() =>
            Transport(relay.StartTlsPort, SmtpSecurity.StartTls, relay.CreateLogin(), revocation: CertificateRevocation.Strict)
                .OpenSessionAsync(CancellationToken.None));
        Assert.Equal(DeliveryFailure.SessionRefused, refused.Failure);

        Assert.Contains("revocation status could not be checked", refused.Message);
        Assert.Contains("CertificateRevocation", refused.Message);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task OpenSession_RefusesTheCertificate_WhenItsCrlSaysItIsRevokedAndRevocationIsSoftFail()
    {
        var refused = await Assert.ThrowsAsync<DeliveryException>(() =>
            Transport(relay.RevokedCertificatePort, SmtpSecurity.StartTls, relay.CreateLogin()).OpenSessionAsync(CancellationToken.None));
        Assert.Equal(DeliveryFailure.SessionRefused, refused.Failure);

        Assert.Contains("has been revoked", refused.Message);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Send_GoesThrough_WhenTheCertificatesCrlCannotBeReachedAndRevocationIsSoftFail()
    {
        var delivered = await SendThroughAsync(Transport(relay.UnreachableCrlPort, SmtpSecurity.StartTls, relay.CreateLogin()));

        Assert.Contains("using TLS", ReceivedByRelay(delivered));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task OpenSession_RefusesTheRelay_WhenSecurityIsStartTlsAndTheRelayOffersNoStartTls()
    {
        var refused = await Assert.ThrowsAsync<DeliveryException>(() =>
            Transport(relay.NoTlsPort, SmtpSecurity.StartTls, relay.CreateLogin()).OpenSessionAsync(CancellationToken.None));
        Assert.Equal(DeliveryFailure.SessionRefused, refused.Failure);

        Assert.Contains("does not offer STARTTLS", refused.Message);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Send_GoesThroughUnencrypted_WhenSecurityIsStartTlsWhenAvailableAndTheRelayOffersNoStartTls()
    {
        var login = relay.CreateLogin();

        var delivered = await SendThroughAsync(Transport(relay.NoTlsPort, SmtpSecurity.StartTlsWhenAvailable, login));

        var received = ReceivedByRelay(delivered);
        Assert.DoesNotContain("using TLS", received);
        Assert.Contains($"Authenticated sender: {login.User}", received);
    }
}

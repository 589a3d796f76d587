using Newsletter.Core.Bounces;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Bounces;
using Newsletter.Delivery.Transports;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Bounces;

/// <summary>The bounce processor reading a real Dovecot over TLS (STARTTLS on the IMAP port, and IMAPS), its certificate from a throwaway CA.</summary>
public sealed class BounceMailboxTlsTests(TlsDovecotServer dovecot) : IClassFixture<TlsDovecotServer>, IDisposable
{
    private const int TestTimeout = 30_000;
    private readonly TempDatabase _temp = new();
    private readonly RecordedMetrics _metrics = new();

    public void Dispose()
    {
        _metrics.Dispose();
        _temp.Dispose();
    }

    private BounceProcessor Processor((string User, string Password) mailbox, MailboxSecurity security, int port, bool trustTheCa = true)
    {
        var settings = Microsoft.Extensions.Options.Options.Create(new BounceOptions
        {
            Enabled = true,
            Host = dovecot.Host,
            Port = port,
            Security = security,
            User = mailbox.User,
            Password = mailbox.Password,
            TrustedCaFile = trustTheCa ? dovecot.CertificateAuthority.CaFile : null,
            TimeoutSeconds = 10,
        });
        return BounceFixtures.Processor(settings, _temp.Database, _metrics.Metrics);
    }

    private async Task<bool> IsSuppressedAsync(string email) =>
        (await new SuppressionList(_temp.Database).ListAsync(CancellationToken.None))
            .Any(s => s.Email == email && s.Reason == SuppressionReason.HardBounce);

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_ReadsTheMailboxOverTls_WhenSecurityIsStartTls()
    {
        var mailbox = dovecot.CreateUser();
        await SentIssues.SendAsync(new TestDeliveryLog(_temp.Database), 1, ["ada@example.com"]);
        await dovecot.AppendAsync(mailbox, "INBOX", BounceFixtures.Load(BounceFixtures.GmailHard));

        var report = await Processor(mailbox, MailboxSecurity.StartTls, dovecot.Port).ProcessAsync(CancellationToken.None);

        Assert.Equal(BounceOutcomeKind.HardBounceSuppressed, Assert.Single(report.Messages).Kind);
        Assert.True(await IsSuppressedAsync("ada@example.com"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_ReadsTheMailboxOverTls_WhenSecurityIsSslOnConnect()
    {
        var mailbox = dovecot.CreateUser();
        await SentIssues.SendAsync(new TestDeliveryLog(_temp.Database), 1, ["ada@example.com"]);
        await dovecot.AppendAsync(mailbox, "INBOX", BounceFixtures.Load(BounceFixtures.GmailHard));

        var report = await Processor(mailbox, MailboxSecurity.SslOnConnect, dovecot.SslPort).ProcessAsync(CancellationToken.None);

        Assert.Equal(BounceOutcomeKind.HardBounceSuppressed, Assert.Single(report.Messages).Kind);
        Assert.True(await IsSuppressedAsync("ada@example.com"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_RefusesTheCertificateAndSaysHowToTrustIt_WhenItsCaIsNotTrusted()
    {
        var mailbox = dovecot.CreateUser();

        var error = await Assert.ThrowsAsync<BounceMailboxException>(() =>
            Processor(mailbox, MailboxSecurity.SslOnConnect, dovecot.SslPort, trustTheCa: false).ProcessAsync(CancellationToken.None));

        Assert.Contains("not trusted by this machine", error.Message);
        Assert.Contains("Newsletter:Bounces:TrustedCaFile", error.Message);
    }
}

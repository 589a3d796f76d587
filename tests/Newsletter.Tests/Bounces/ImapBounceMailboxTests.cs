using Newsletter.Core.Bounces;
using Newsletter.Delivery.Bounces;
using Newsletter.Delivery.Transports;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Bounces;

/// <summary>The IMAP adapter on its own, against a real Dovecot on loopback: what the rules and <c>newsletter check</c> rely on.</summary>
public sealed class ImapBounceMailboxTests(DovecotServer dovecot) : IClassFixture<DovecotServer>
{
    private const int TestTimeout = 30_000;
    private static readonly CancellationToken None = CancellationToken.None;

    private ImapBounceMailbox Mailbox((string User, string Password) login, Action<BounceOptions>? change = null) =>
        new(Microsoft.Extensions.Options.Options.Create(BounceFixtures.Options(dovecot, login, change)));

    [Fact(Timeout = TestTimeout)]
    public async Task ProbeAsync_CountsTheMessagesAndCreatesNoFolder_WhenTheLoginIsRight()
    {
        var login = dovecot.CreateUser();
        await dovecot.AppendAsync(login, "INBOX", BounceFixtures.Load(BounceFixtures.GmailHard));
        await dovecot.AppendAsync(login, "INBOX", BounceFixtures.Load(BounceFixtures.Malformed));

        var probe = await Mailbox(login).ProbeAsync(None);

        Assert.Equal((login.User, "INBOX", 2, null), (probe.User, probe.Folder, probe.Count, probe.Tls));
        Assert.Equal(2, (await dovecot.ListAsync(login, "INBOX")).Count);
        Assert.Empty(await dovecot.ListAsync(login, "Processed"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProbeAsync_ThrowsNamingTheFolderKey_WhenTheFolderDoesNotExist()
    {
        var login = dovecot.CreateUser();

        var error = await Assert.ThrowsAsync<BounceMailboxException>(() => Mailbox(login, o => o.Folder = "Bounces").ProbeAsync(None));

        Assert.Contains("no folder 'Bounces' (Newsletter:Bounces:Folder)", error.Message);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SetAsideAsync_KeepsMailForAPersonUnreadAndFlagged_AndTheNextSessionFindsNothingWaiting()
    {
        var login = dovecot.CreateUser();
        await dovecot.AppendAsync(login, "INBOX", BounceFixtures.Load(BounceFixtures.Malformed));
        var mailbox = Mailbox(login);

        await using (var session = await mailbox.OpenAsync(None))
        {
            var id = Assert.Single(await session.FindWaitingAsync(None));
            Assert.Equal("moved to Unrecognised", await session.SetAsideAsync(id, BounceDisposition.ForAPerson, None));
            await session.CloseAsync(None);
        }
        await using var next = await mailbox.OpenAsync(None);

        Assert.Empty(await next.FindWaitingAsync(None));
        var kept = Assert.Single(await dovecot.ListAsync(login, "Unrecognised"));
        Assert.Equal((true, false), (kept.Flags.HasFlag(MailKit.MessageFlags.Flagged), kept.Flags.HasFlag(MailKit.MessageFlags.Seen)));
    }
}

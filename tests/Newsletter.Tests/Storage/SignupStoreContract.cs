using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Core.Signups;
using Newsletter.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Storage;

/// <summary>Readers who join from the web, on both stores: waiting signups, confirmation, and their place in a send.</summary>
public abstract class SignupStoreContract : StoreContract
{
    private static readonly TimeSpan ValidFor = TimeSpan.FromHours(48);
    private static readonly TimeSpan MailInterval = TimeSpan.FromHours(24);
    private static readonly string Consent = ListSignup.HashOf("Send me the weekly issue.");

    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly SignupStore _signups;

    protected SignupStoreContract(TestStore store) : base(store) => _signups = new SignupStore(Database, _clock);

    private static SignupRequest Request(string email, string list = "weekly", string? name = "Ada") => new(list, email, name, Consent);

    [Fact]
    public async Task Confirm_KeepsTheEvidenceOfConsent_WhenTheNonceMatches()
    {
        var nonce = await _signups.RequestAsync(Request("Ada@Example.com"), ValidFor, MailInterval, None);
        var requestedAt = _clock.Now;
        _clock.Advance(TimeSpan.FromMinutes(5));

        var reader = await _signups.ConfirmAsync("weekly", "ada@example.com", nonce!, None);

        Assert.NotNull(reader);
        var stored = Assert.Single(await _signups.ListJoinedAsync("weekly", None));
        Assert.Equal(("weekly", "Ada@Example.com", "Ada", Consent, requestedAt, requestedAt.AddMinutes(5)),
            (stored.ListName, stored.Email, stored.Name, stored.ConsentHash, stored.ConsentedAt, stored.ConfirmedAt));
        Assert.True(await _signups.IsJoinedAsync("weekly", "ADA@example.com", None));
        Assert.False(await _signups.IsJoinedAsync("other", "ada@example.com", None));
    }

    [Fact]
    public async Task Confirm_WorksOnce_WhenTheSameLinkIsUsedAgain()
    {
        var nonce = await _signups.RequestAsync(Request("ada@example.com"), ValidFor, MailInterval, None);
        Assert.NotNull(await _signups.ConfirmAsync("weekly", "ada@example.com", nonce!, None));

        Assert.Null(await _signups.ConfirmAsync("weekly", "ada@example.com", nonce!, None));
        Assert.Null(await new SignupStore(Store.OpenAgain(), _clock).ConfirmAsync("weekly", "ada@example.com", nonce!, None));
    }

    [Fact]
    public async Task Confirm_RefusesAForgedNonce_AndJoinsNobody()
    {
        await _signups.RequestAsync(Request("ada@example.com"), ValidFor, MailInterval, None);

        Assert.Null(await _signups.ConfirmAsync("weekly", "ada@example.com", "0123456789abcdef0123456789abcdef", None));
        Assert.Empty(await _signups.ListJoinedAsync("weekly", None));
    }

    [Fact]
    public async Task Request_AllowsOneMailPerAddressAndListPerInterval_InAnySpelling()
    {
        Assert.NotNull(await _signups.RequestAsync(Request("ada@example.com"), ValidFor, MailInterval, None));
        _clock.Advance(TimeSpan.FromHours(23));

        Assert.Null(await _signups.RequestAsync(Request("ADA@EXAMPLE.COM"), ValidFor, MailInterval, None));
        Assert.NotNull(await _signups.RequestAsync(Request("ada@example.com", list: "other"), ValidFor, MailInterval, None));

        _clock.Advance(TimeSpan.FromHours(1));
        Assert.NotNull(await _signups.RequestAsync(Request("ada@example.com"), ValidFor, MailInterval, None));
    }

    [Fact]
    public async Task Confirm_RefusesTheOlderLink_WhenANewerRequestReplacedIt()
    {
        var first = await _signups.RequestAsync(Request("ada@example.com"), ValidFor, MailInterval, None);
        _clock.Advance(TimeSpan.FromHours(25));
        var second = await _signups.RequestAsync(Request("ada@example.com"), ValidFor, MailInterval, None);

        Assert.Null(await _signups.ConfirmAsync("weekly", "ada@example.com", first!, None));
        Assert.NotNull(await _signups.ConfirmAsync("weekly", "ada@example.com", second!, None));
    }

    [Fact]
    public async Task Request_AllowsANewMailAtOnce_WhenTheEarlierOneWasWithdrawn()
    {
        var nonce = await _signups.RequestAsync(Request("ada@example.com"), ValidFor, MailInterval, None);

        await _signups.WithdrawAsync("weekly", "ada@example.com", nonce!, None);

        Assert.NotNull(await _signups.RequestAsync(Request("ada@example.com"), ValidFor, MailInterval, None));
    }

    [Fact]
    public async Task PurgeExpired_DeletesWaitingSignups_WhoseLinkHasExpired()
    {
        var nonce = await _signups.RequestAsync(Request("ada@example.com"), ValidFor, MailInterval, None);
        await _signups.RequestAsync(Request("bob@example.com"), TimeSpan.FromHours(72), MailInterval, None);
        _clock.Advance(TimeSpan.FromHours(49));

        Assert.Equal(1, await _signups.PurgeExpiredAsync(None));
        Assert.Null(await _signups.ConfirmAsync("weekly", "ada@example.com", nonce!, None));
        Assert.Equal(0, await _signups.PurgeExpiredAsync(None));
    }

    [Fact]
    public async Task Remove_DeletesTheJoinedReader()
    {
        await JoinAsync("ada@example.com");

        Assert.True(await _signups.RemoveAsync("weekly", "ADA@example.com", None));

        Assert.Empty(await _signups.ListJoinedAsync("weekly", None));
        Assert.False(await _signups.RemoveAsync("weekly", "ada@example.com", None));
    }

    [Fact]
    public async Task CreateSend_RecordsJoinedReadersOnce_WhenTheConfigurationAlsoListsThem()
    {
        await JoinAsync("ÄDA@example.com");
        await JoinAsync("new@example.com");
        var configured = new MailingList("weekly", "Weekly", [new Subscriber("äda@example.com", "Ada"), new Subscriber("bob@example.com", null)]);

        var send = await new TestDeliveryLog(Database).CreateSendAsync(1, configured, 100, null, None);

        var deliveries = await new TestDeliveryLog(Database).GetBatchAsync(send.Id, 0, None);
        Assert.Equal(["äda@example.com", "bob@example.com", "new@example.com"], deliveries.Select(d => d.Email));
        Assert.All(deliveries, d => Assert.Equal(DeliveryState.Pending, d.State));
        Assert.Equal(3, send.RecipientCount);
    }

    [Fact]
    public async Task CreateSend_RecordsASuppressedJoinedReaderAsSuppressed()
    {
        await JoinAsync("ada@example.com");
        await new SuppressionList(Database).AddAsync("ada@example.com", "weekly", SuppressionReason.Unsubscribed, "one-click", None);

        var send = await new TestDeliveryLog(Database).CreateSendAsync(1, new MailingList("weekly", "Weekly", []), 100, null, None);

        Assert.Equal(DeliveryState.Suppressed, Assert.Single(await new TestDeliveryLog(Database).GetBatchAsync(send.Id, 0, None)).State);
    }

    [Fact]
    public async Task CreateSend_OnAnotherProcess_IncludesAReaderConfirmedThroughThisOne()
    {
        await JoinAsync("ada@example.com");

        var otherProcess = new TestDeliveryLog(Store.OpenAgain());
        var send = await otherProcess.CreateSendAsync(1, new MailingList("weekly", "Weekly", []), 100, null, None);

        Assert.Equal("ada@example.com", Assert.Single(await otherProcess.GetBatchAsync(send.Id, 0, None)).Email);
    }

    [Fact]
    public async Task CreateSend_LeavesOutReadersOfOtherLists()
    {
        await JoinAsync("ada@example.com", list: "other");

        var send = await new TestDeliveryLog(Database).CreateSendAsync(1, new MailingList("weekly", "Weekly", [new Subscriber("bob@example.com", null)]), 100, null, None);

        Assert.Equal(1, send.RecipientCount);
    }

    private async Task JoinAsync(string email, string list = "weekly")
    {
        var nonce = await _signups.RequestAsync(Request(email, list), ValidFor, MailInterval, None);
        Assert.NotNull(await _signups.ConfirmAsync(list, email, nonce!, None));
    }
}

public sealed class SqliteSignupStoreTests() : SignupStoreContract(new SqliteTestStore());

public sealed class PostgreSqlSignupStoreTests(PostgreSqlDatabaseFixture database)
    : SignupStoreContract(new PostgreSqlTestStore(database)), IClassFixture<PostgreSqlDatabaseFixture>;

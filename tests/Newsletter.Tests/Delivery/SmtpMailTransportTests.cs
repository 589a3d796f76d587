using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Transports;
using Newsletter.Tests.Support;
using static Newsletter.Tests.Delivery.DeliveryTestData;

namespace Newsletter.Tests.Delivery;

public class SmtpMailTransportTests
{
    private const int TestTimeout = 20_000;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static SmtpMailTransport Transport(int port) => new(
        Options.Create(new DeliveryOptions
        {
            Transport = MailTransportKind.Smtp,
            Smtp = new SmtpOptions { Host = "127.0.0.1", Port = port, Security = SmtpSecurity.None, TimeoutSeconds = 10 },
        }),
        Options.Create(Sender));

    private static MimeMessage MessageTo(string email) =>
        Builder().Build(Content(), List, new Subscriber(email, null)).Message;

    [Fact(Timeout = TestTimeout)]
    public async Task SendAsync_SendsEveryMessageOverOneConnection_WhenSessionIsReused()
    {
        await using var server = new TestSmtpServer();
        await server.StartAsync();

        await using (var session = await Transport(server.Port).OpenSessionAsync(CancellationToken.None))
        {
            foreach (var email in new[] { "a@example.com", "b@example.com", "c@example.com" })
                await session.SendAsync(MessageTo(email), Envelope, CancellationToken.None);
        }

        var received = await server.WaitForMessagesAsync(3, Wait);
        Assert.Equal(1, server.SessionsStarted);
        Assert.Equal(["a@example.com", "b@example.com", "c@example.com"], received.Select(m => m.EnvelopeTo.Single()));
        Assert.All(received, m => Assert.Equal(received[0].SessionId, m.SessionId));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task OpenSessionAsync_RefusesTheSessionNamingSecurity_WhenSslOnConnectMeetsAPlainPort()
    {
        // A configuration mistake, like a bad certificate: the send must pause for a person, not defer every message for 24 h.
        await using var server = new TestSmtpServer();
        await server.StartAsync();
        var transport = new SmtpMailTransport(
            Options.Create(new DeliveryOptions
            {
                Transport = MailTransportKind.Smtp,
                Smtp = new SmtpOptions { Host = "127.0.0.1", Port = server.Port, Security = SmtpSecurity.SslOnConnect, TimeoutSeconds = 10 },
            }),
            Options.Create(Sender));

        var refused = await Assert.ThrowsAsync<DeliveryException>(() => transport.OpenSessionAsync(CancellationToken.None));

        Assert.Equal(DeliveryFailure.SessionRefused, refused.Failure);
        Assert.Contains("Security is SslOnConnect", refused.Message);
        Assert.Contains("needs Security StartTls", refused.Message);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SendAsync_UsesTheGivenEnvelopeSender_AndReturnsServerReply()
    {
        await using var server = new TestSmtpServer();
        await server.StartAsync();
        await using var session = await Transport(server.Port).OpenSessionAsync(CancellationToken.None);

        var reply = await session.SendAsync(MessageTo("a@example.com"), Envelope, CancellationToken.None);

        var received = Assert.Single(await server.WaitForMessagesAsync(1, Wait));
        Assert.Equal("news@example.com", received.EnvelopeFrom);
        Assert.False(string.IsNullOrWhiteSpace(reply));
        Assert.Equal("a@example.com", received.Parse().To.Mailboxes.Single().Address);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SendAsync_ReportsRecipientRefusedWithTheMailbox_WhenServerRefusesTheRecipient()
    {
        await using var server = new TestSmtpServer();
        server.RefuseRecipient("gone@example.com");
        await server.StartAsync();
        await using var session = await Transport(server.Port).OpenSessionAsync(CancellationToken.None);

        var e = await Assert.ThrowsAsync<DeliveryException>(() => session.SendAsync(MessageTo("gone@example.com"), Envelope, CancellationToken.None));

        Assert.Equal(DeliveryFailure.RecipientRefused, e.Failure);
        Assert.Equal(550, e.ReplyCode);
        Assert.Equal("gone@example.com", e.Mailbox);
        Assert.True(session.IsUsable);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SendAsync_DeliversNextMessageOnSameConnection_AfterARecipientWasRefused()
    {
        await using var server = new TestSmtpServer();
        server.RefuseRecipient("gone@example.com");
        await server.StartAsync();
        await using var session = await Transport(server.Port).OpenSessionAsync(CancellationToken.None);

        await Assert.ThrowsAsync<DeliveryException>(() => session.SendAsync(MessageTo("gone@example.com"), Envelope, CancellationToken.None));
        await session.SendAsync(MessageTo("here@example.com"), Envelope, CancellationToken.None);

        var received = Assert.Single(await server.WaitForMessagesAsync(1, Wait));
        Assert.Equal("here@example.com", received.EnvelopeTo.Single());
        Assert.Equal(1, server.SessionsStarted);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task OpenSessionAsync_ReportsConnectionLost_WhenNothingListens()
    {
        var port = UnusedPort();

        var e = await Assert.ThrowsAsync<DeliveryException>(() => Transport(port).OpenSessionAsync(CancellationToken.None));

        Assert.Equal(DeliveryFailure.ConnectionLost, e.Failure);
        Assert.Contains($"smtp://127.0.0.1:{port}", e.Message);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SendAsync_ReportsConnectionLostAndMarksSessionUnusable_WhenServerHasGone()
    {
        var server = new TestSmtpServer();
        await server.StartAsync();
        var session = await Transport(server.Port).OpenSessionAsync(CancellationToken.None);
        await session.SendAsync(MessageTo("a@example.com"), Envelope, CancellationToken.None);

        await server.DisposeAsync();
        var e = await Assert.ThrowsAsync<DeliveryException>(() => session.SendAsync(MessageTo("b@example.com"), Envelope, CancellationToken.None));

        Assert.Equal(DeliveryFailure.ConnectionLost, e.Failure);
        Assert.False(session.IsUsable);
        await session.DisposeAsync();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SendAsync_DeliversEveryMessage_WhenSeveralSessionsSendConcurrently()
    {
        await using var server = new TestSmtpServer();
        await server.StartAsync();
        var transport = Transport(server.Port);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            await using var session = await transport.OpenSessionAsync(CancellationToken.None);
            for (var i = 0; i < 50; i++)
                await session.SendAsync(MessageTo($"w{worker}-{i}@example.com"), Envelope, CancellationToken.None);
        })));

        var received = await server.WaitForMessagesAsync(200, Wait);
        Assert.Equal(200, received.Select(m => m.EnvelopeTo.Single()).Distinct().Count());
        Assert.Equal(4, server.SessionsStarted);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SendAsync_PreservesLinesStartingWithADot()
    {
        await using var server = new TestSmtpServer();
        await server.StartAsync();
        await using var session = await Transport(server.Port).OpenSessionAsync(CancellationToken.None);
        var content = Content(1, "dots", "<p>x</p>", "first\n.\n..two dots\nlast");

        await session.SendAsync(Builder().Build(content, List, List.Subscribers.First()).Message, Envelope, CancellationToken.None);

        var received = Assert.Single(await server.WaitForMessagesAsync(1, Wait)).Parse();
        Assert.Equal("first\n.\n..two dots\nlast", received.TextBody!.Replace("\r\n", "\n").TrimEnd());
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SendAsync_SendsVerpMailFrom_WhenBuilderHasVerpOn()
    {
        await using var server = new TestSmtpServer();
        await server.StartAsync();
        var sender = new Newsletter.Delivery.Messages.SenderOptions
        {
            FromAddress = "news@example.com",
            PublicBaseUrl = "https://newsletter.example.com",
            ReturnPath = "bounces@bounces.example.com",
            Verp = true,
        };
        var builder = new Newsletter.Delivery.Messages.IssueMessageBuilder(Options.Create(sender), Urls(sender));
        var alice = new Subscriber("alice@example.org", "Alice");
        await using var session = await Transport(server.Port).OpenSessionAsync(CancellationToken.None);

        await session.SendAsync(builder.Build(Content(), List, alice).Message, builder.EnvelopeSenderFor(alice), CancellationToken.None);

        var received = Assert.Single(await server.WaitForMessagesAsync(1, Wait));
        Assert.Equal("bounces+alice=example.org@bounces.example.com", received.EnvelopeFrom);
        Assert.Equal("news@example.com", received.Parse().From.Mailboxes.Single().Address);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SendAsync_DefersOnlyThatRecipientAndKeepsTheConnection_WhenRcptGetsANonThrottling4xx()
    {
        await using var server = new FaultySmtpServer
        {
            Faults = new SmtpFaults { TransientFailureRate = 1, TransientFailureCommands = SmtpFaultCommands.Rcpt, TransientReplyCode = 451 },
        };
        await server.StartAsync();
        await using var session = await Transport(server.Port).OpenSessionAsync(CancellationToken.None);

        var deferred = await Assert.ThrowsAsync<DeliveryException>(() => session.SendAsync(MessageTo("busy@example.com"), Envelope, CancellationToken.None));
        server.Faults = SmtpFaults.None;
        await session.SendAsync(MessageTo("next@example.com"), Envelope, CancellationToken.None);

        Assert.Equal(DeliveryFailure.MessageDeferred, deferred.Failure);
        Assert.Equal(451, deferred.ReplyCode);
        Assert.StartsWith("4.3.0", deferred.ReplyText);
        var received = Assert.Single(await server.WaitForMessagesAsync(1, Wait));
        Assert.Equal("next@example.com", received.EnvelopeTo.Single());
        Assert.Equal(1, server.ConnectionsAccepted);
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData(451, "4.7.1 Rate limited, try again later")]
    [InlineData(450, "4.7.0 Greylisted")]
    public async Task SendAsync_ReportsThrottled_WhenRcptGetsAnX7xPolicyReply(int code, string text)
    {
        await using var server = new FaultySmtpServer
        {
            Faults = new SmtpFaults { TransientFailureRate = 1, TransientFailureCommands = SmtpFaultCommands.Rcpt, TransientReplyCode = code, TransientReplyText = text },
        };
        await server.StartAsync();
        await using var session = await Transport(server.Port).OpenSessionAsync(CancellationToken.None);

        var e = await Assert.ThrowsAsync<DeliveryException>(() => session.SendAsync(MessageTo("a@example.com"), Envelope, CancellationToken.None));

        Assert.Equal(DeliveryFailure.Throttled, e.Failure);
        Assert.Equal(code, e.ReplyCode);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SendAsync_ReportsSenderRefusedAndEndsTheSession_WhenMailFromGetsA5xx()
    {
        await using var server = new FaultySmtpServer();
        await server.StartAsync();
        server.Script(SmtpFaultCommands.Mail, "", ScriptedReply.With("553 5.7.1 Sender address rejected"));
        await using var session = await Transport(server.Port).OpenSessionAsync(CancellationToken.None);

        var e = await Assert.ThrowsAsync<DeliveryException>(() => session.SendAsync(MessageTo("a@example.com"), Envelope, CancellationToken.None));

        Assert.Equal((DeliveryFailure.SenderRefused, 553), (e.Failure, e.ReplyCode));
        Assert.False(session.IsUsable);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SendAsync_ReportsReplyLost_WhenCancelledOnceTheWholeMessageIsOutAndTheReplyIsOnItsWay()
    {
        await using var server = new FaultySmtpServer();
        await server.StartAsync();
        server.Script(SmtpFaultCommands.Data, "a@example.com", new ScriptedReply { HoldReply = true });
        await using var session = await Transport(server.Port).OpenSessionAsync(CancellationToken.None);
        using var stop = new CancellationTokenSource();

        var sending = session.SendAsync(MessageTo("a@example.com"), Envelope, stop.Token);
        await server.WaitForMessagesAsync(1, Wait);
        await stop.CancelAsync();

        var e = await Assert.ThrowsAsync<DeliveryException>(() => sending);
        Assert.Equal(DeliveryFailure.ReplyLost, e.Failure);
        Assert.False(session.IsUsable);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SendAsync_ThrowsCancelled_WhenCancelledBeforeTheMessageIsOut()
    {
        await using var server = new FaultySmtpServer();
        await server.StartAsync();
        await using var session = await Transport(server.Port).OpenSessionAsync(CancellationToken.None);
        server.Faults = new SmtpFaults { ReplyDelay = TimeSpan.FromMinutes(5) };
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.SendAsync(MessageTo("a@example.com"), Envelope, stop.Token));
        Assert.False(session.IsUsable);
    }

    [Theory]
    [InlineData(421, "4.3.2 Service shutting down", true)]
    [InlineData(421, "4.7.0 Too many connections", true)]
    [InlineData(451, "4.7.1 Please slow down", true)]
    [InlineData(451, "4.3.0 Local error in processing", false)]
    [InlineData(452, "4.2.2 Mailbox full", false)]
    [InlineData(454, "4.3.0 TLS not available", false)]
    [InlineData(451, "Try again later", false)]
    [InlineData(550, "5.7.1 Rejected by policy", false)]
    public void IsThrottling_Is421OrAnX7xEnhancedStatus(int code, string text, bool throttling)
    {
        Assert.Equal(throttling, SmtpReplies.IsThrottling(code, text));
    }

    [Fact]
    public void Describe_NamesHostAndPort()
    {
        Assert.Equal("smtp://127.0.0.1:2525", Transport(2525).Describe());
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Newsletter.Tests.Support;

/// <summary>Each fault of <see cref="FaultySmtpServer"/> happens, seen through MailKit as a sender would see it.</summary>
public sealed class FaultySmtpServerTests
{
    private const int TestTimeout = 20_000;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact(Timeout = TestTimeout)]
    public async Task Relay_DeliversMessagesByteForByte_WhenNoFaultsAreConfigured()
    {
        await using var smtp = await StartAsync(SmtpFaults.None);
        using var client = await ConnectAsync(smtp);
        var messages = new[] { Message("a@example.com", 100), Message("b@example.com", 20_000), Message("c@example.com", 10) };

        foreach (var message in messages)
            await client.SendAsync(message);

        var received = await smtp.WaitForMessagesAsync(3, Wait);
        Assert.Equal(messages.Select(m => (m.MessageId, m.TextBody)), received.Select(m => m.Parse()).Select(m => (m.MessageId, m.TextBody)));
        Assert.Equal(1, smtp.ConnectionsAccepted);
        Assert.Equal(0, smtp.TransientRepliesInjected);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Mail_Gets451_WhenMailFailsAtRateOne_AndTheConnectionStaysUsable()
    {
        await using var smtp = await StartAsync(new SmtpFaults { TransientFailureRate = 1, TransientFailureCommands = SmtpFaultCommands.Mail });
        using var client = await ConnectAsync(smtp);

        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("a@example.com")));
        smtp.Faults = SmtpFaults.None;
        await client.SendAsync(Message("b@example.com"));

        Assert.Equal(451, (int)e.StatusCode);
        Assert.Equal(SmtpErrorCode.SenderNotAccepted, e.ErrorCode);
        Assert.Equal(["b@example.com"], (await smtp.WaitForMessagesAsync(1, Wait)).Select(m => m.EnvelopeTo.Single()));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Rcpt_Gets451_WhenRcptFailsAtRateOne()
    {
        await using var smtp = await StartAsync(new SmtpFaults { TransientFailureRate = 1, TransientFailureCommands = SmtpFaultCommands.Rcpt });
        using var client = await ConnectAsync(smtp);

        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("a@example.com")));

        Assert.Equal(451, (int)e.StatusCode);
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, e.ErrorCode);
        Assert.Equal("a@example.com", e.Mailbox?.Address);
        Assert.Empty(smtp.Received);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Data_Gets451AfterTheContent_AndTheServerKeepsNothing_WhenDataFailsAtRateOne()
    {
        await using var smtp = await StartAsync(new SmtpFaults { TransientFailureRate = 1, TransientFailureCommands = SmtpFaultCommands.Data });
        using var client = await ConnectAsync(smtp);

        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("a@example.com", 5_000)));
        smtp.Faults = SmtpFaults.None;
        await client.SendAsync(Message("b@example.com"));

        Assert.Equal(451, (int)e.StatusCode);
        Assert.Equal(SmtpErrorCode.MessageNotAccepted, e.ErrorCode);
        Assert.Equal(["b@example.com"], (await smtp.WaitForMessagesAsync(1, Wait)).Select(m => m.EnvelopeTo.Single()));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Mail_Gets421AndTheConnectionCloses_WhenTheTransientCodeIs421()
    {
        await using var smtp = await StartAsync(new SmtpFaults { TransientFailureRate = 1, TransientReplyCode = 421, TransientFailureCommands = SmtpFaultCommands.Mail });
        using var transcript = new MemoryStream();
        using var client = await ConnectAsync(smtp, new ProtocolLogger(transcript, leaveOpen: true));

        // MailKit reports a 421 as the server disconnecting (SmtpProtocolException), so the reply is read from the transcript.
        await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(Message("a@example.com")));

        Assert.Contains("S: 421 4.3.2", Encoding.ASCII.GetString(transcript.ToArray()));
        Assert.False(client.IsConnected);
        Assert.Equal(1, smtp.TransientRepliesInjected);
        Assert.Empty(smtp.Received);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task TransientFailureRate_FailsAboutThatShare_AndTheSameRecipientsForTheSameSeed()
    {
        var faults = new SmtpFaults { TransientFailureRate = 0.2, TransientFailureCommands = SmtpFaultCommands.Rcpt, Seed = 42 };
        var recipients = Enumerable.Range(0, 200).Select(i => $"reader{i:D3}@example.com").ToList();

        var first = await SendEachAsync(faults, recipients);
        var second = await SendEachAsync(faults, recipients);

        Assert.InRange(first.Count, 20, 60); // 40 expected; a seeded hash, so the figure is the same on every run
        Assert.Equal(first, second);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DropDuringData_CutsTheConnectionWithoutAReply_AndTheServerKeepsNothing()
    {
        await using var smtp = await StartAsync(new SmtpFaults { DropDuringDataRate = 1, DropAfterDataBytes = 2_000 });
        using var client = await ConnectAsync(smtp);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(Message("a@example.com", 30_000)));

        Assert.IsNotType<SmtpCommandException>(e);
        Assert.Equal(1, smtp.ConnectionsDropped);
        await Task.Delay(200);
        Assert.Empty(smtp.Received);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task RefuseRecipient_Gets550_AndOthersOnTheSameConnectionAreAccepted()
    {
        await using var smtp = await StartAsync(SmtpFaults.None);
        smtp.RefuseRecipient("gone@example.com");
        using var client = await ConnectAsync(smtp);

        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("gone@example.com")));
        await client.SendAsync(Message("here@example.com"));

        Assert.Equal(550, (int)e.StatusCode);
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, e.ErrorCode);
        Assert.Equal(["here@example.com"], (await smtp.WaitForMessagesAsync(1, Wait)).Select(m => m.EnvelopeTo.Single()));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ReplyDelay_DelaysEveryReply()
    {
        await using var smtp = await StartAsync(new SmtpFaults { ReplyDelay = TimeSpan.FromMilliseconds(150) });
        using var client = await ConnectAsync(smtp);

        var clock = Stopwatch.StartNew();
        await client.NoOpAsync();
        await client.NoOpAsync();

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(300), $"two NOOPs took {clock.ElapsedMilliseconds} ms");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcceptedAt_RecordsOneTimePerAcceptedMessage_AndNoneForRefusedOnes()
    {
        await using var smtp = await StartAsync(SmtpFaults.None);
        smtp.RefuseRecipient("gone@example.com");
        using var client = await ConnectAsync(smtp);
        var before = DateTimeOffset.UtcNow;

        foreach (var address in new[] { "a@example.com", "b@example.com", "c@example.com" })
            await client.SendAsync(Message(address));
        await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("gone@example.com")));

        Assert.Equal(3, smtp.AcceptedAt.Count);
        Assert.All(smtp.AcceptedAt, t => Assert.InRange(t, before, DateTimeOffset.UtcNow));
        Assert.Equal(3, smtp.MaxAcceptedInAnyWindow(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void MaxInAnyWindow_CountsTheBusiestHalfOpenWindow()
    {
        var start = DateTimeOffset.UnixEpoch;
        var times = new[] { 0, 500, 990, 1000, 1500, 3000 }.Select(ms => start.AddMilliseconds(ms));

        Assert.Equal(3, FaultySmtpProxy.MaxInAnyWindow(times, TimeSpan.FromSeconds(1)));
        Assert.Equal(0, FaultySmtpProxy.MaxInAnyWindow([], TimeSpan.FromSeconds(1)));
    }

    /// <summary>Sends one message to each recipient over one connection; returns those refused.</summary>
    private static async Task<List<string>> SendEachAsync(SmtpFaults faults, IEnumerable<string> recipients)
    {
        await using var smtp = await StartAsync(faults);
        using var client = await ConnectAsync(smtp);
        var refused = new List<string>();
        foreach (var recipient in recipients)
        {
            try
            {
                await client.SendAsync(Message(recipient));
            }
            catch (SmtpCommandException e) when ((int)e.StatusCode == 451)
            {
                refused.Add(recipient);
            }
        }

        Assert.Equal(refused.Count, smtp.TransientRepliesInjected);
        return refused;
    }

    private static async Task<FaultySmtpServer> StartAsync(SmtpFaults faults)
    {
        var smtp = new FaultySmtpServer { Faults = faults };
        await smtp.StartAsync();
        return smtp;
    }

    /// <summary>MailKit over a socket with TCP_NODELAY (see the Nagle note in the transport).</summary>
    private static async Task<SmtpClient> ConnectAsync(FaultySmtpServer smtp, IProtocolLogger? transcript = null)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(smtp.Host, smtp.Port);
        var client = transcript is null ? new SmtpClient() : new SmtpClient(transcript);
        client.Timeout = 10_000;
        await client.ConnectAsync(socket, smtp.Host, smtp.Port, SecureSocketOptions.None);
        return client;
    }

    private static MimeMessage Message(string to, int bodyLines = 20)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("news@example.com"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "Fault test";
        message.MessageId = $"{Guid.NewGuid():N}@example.com";
        // Lines that start with a dot check that the relay leaves dot-stuffing alone.
        message.Body = new TextPart("plain") { Text = string.Join("\n", Enumerable.Range(0, bodyLines).Select(i => i % 7 == 0 ? $".line {i}" : $"line {i} of {to}")) };
        return message;
    }
}

using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Signing;
using Newsletter.Delivery.Transports;
using Newsletter.Tests.Support;
using static Newsletter.Tests.Delivery.DeliveryTestData;

namespace Newsletter.Tests.Delivery;

public sealed class DkimMessageSignerTests : IDisposable
{
    private const int TestTimeout = 20_000;

    private readonly DkimMessageSigner _signer = new(
        new DkimOptions { Enabled = true, Domain = DkimTestKey.Domain, Selector = DkimTestKey.Selector, PrivateKeyPath = DkimTestKey.PrivateKeyPath },
        contentRoot: "/");

    public void Dispose() => _signer.Dispose();

    private IssueMessageBuilder SigningBuilder(SenderOptions? sender = null) =>
        new(Options.Create(sender ?? Sender), Urls(sender), dkim: _signer);

    private static MimeMessage Reparse(byte[] raw)
    {
        using var stream = new MemoryStream(raw);
        return MimeMessage.Load(stream);
    }

    private static byte[] Bytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default, stream);
        return stream.ToArray();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Sign_ProducesSignatureDkimVerifierAccepts_AfterDeliveryOverSmtp()
    {
        await using var server = new TestSmtpServer();
        await server.StartAsync();
        var transport = new SmtpMailTransport(
            Options.Create(new DeliveryOptions
            {
                Transport = MailTransportKind.Smtp,
                Smtp = new SmtpOptions { Host = server.Host, Port = server.Port, Security = SmtpSecurity.None, TimeoutSeconds = 10 },
            }),
            Options.Create(Sender));
        var builder = SigningBuilder();
        var content = Content(12, "Tensor Weekly #12: Grüße from the lab",
            "<html><body><p>Hello <b>Ada</b>, a long line " + new string('x', 3000) + "</p></body></html>",
            "Hello Ada,\n\n.a line starting with a dot\n  indented line   with trailing spaces   \nGrüße\n");

        await using (var session = await transport.OpenSessionAsync(CancellationToken.None))
            await session.SendAsync(builder.Build(content, List, List.Subscribers.First()).Message, builder.EnvelopeSenderFor(List.Subscribers.First()), CancellationToken.None);

        var received = Assert.Single(await server.WaitForMessagesAsync(1, TimeSpan.FromSeconds(10))).Parse();
        Assert.True(await DkimTestKey.VerifyAsync(received));
    }

    [Fact]
    public void Sign_CoversListUnsubscribeAndFeedbackId_WithRelaxedCanonicalization()
    {
        var message = Reparse(Bytes(SigningBuilder().Build(Content(), List, List.Subscribers.First()).Message));

        var tags = message.Headers[HeaderId.DkimSignature]!.Split(';').Select(t => t.Trim())
            .ToDictionary(t => t[..t.IndexOf('=')], t => string.Concat(t[(t.IndexOf('=') + 1)..].Where(c => !char.IsWhiteSpace(c))));
        Assert.Equal(("rsa-sha256", "relaxed/relaxed", "example.com", "news2026"), (tags["a"], tags["c"], tags["d"], tags["s"]));
        var signed = tags["h"].Split(':');
        foreach (var header in new[] { "from", "to", "subject", "date", "message-id", "reply-to", "list-id", "list-unsubscribe", "list-unsubscribe-post", "feedback-id", "mime-version", "content-type" })
            Assert.Contains(header, signed);
    }

    [Fact]
    public async Task Sign_FailsVerification_WhenListUnsubscribeIsChangedAfterSigning()
    {
        var raw = Encoding.ASCII.GetString(Bytes(SigningBuilder().Build(Content(), List, List.Subscribers.First()).Message));
        var tampered = raw.Replace("https://newsletter.example.com/unsubscribe/", "https://evil.example.net/unsubscribe/");
        Assert.NotEqual(raw, tampered);

        Assert.False(await DkimTestKey.VerifyAsync(Reparse(Encoding.ASCII.GetBytes(tampered))));
    }

    [Fact]
    public async Task Sign_StillVerifiesAndKeepsUrlWhole_WhenListUnsubscribeUrlIsVeryLong()
    {
        // A long public base URL makes List-Unsubscribe far longer than a 78-column header line.
        var sender = new SenderOptions
        {
            FromAddress = Sender.FromAddress,
            FromName = Sender.FromName,
            ReplyTo = Sender.ReplyTo,
            PublicBaseUrl = "https://newsletter.example.com/" + string.Join("/", Enumerable.Repeat("a-rather-long-path-segment", 8)),
        };
        var builder = SigningBuilder(sender);
        var subscriber = new Subscriber("someone.with.a.long.address+newsletter-tag@subdomain.example.com", "Someone");
        var url = Urls(sender).Unsubscribe(List, subscriber);
        Assert.True(url.Length > 250);

        var message = Reparse(Bytes(builder.Build(Content(), List, subscriber).Message));

        Assert.True(await DkimTestKey.VerifyAsync(message));
        Assert.Equal("<" + url + ">", message.Headers[HeaderId.ListUnsubscribe]!.Trim());
    }

    [Fact]
    public async Task Sign_Verifies_WhenManyThreadsSignAtOnce()
    {
        var builder = SigningBuilder();
        var messages = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            Bytes(builder.Build(Content(), List, new Subscriber($"reader{i}@example.com", null)).Message))));

        foreach (var raw in messages)
            Assert.True(await DkimTestKey.VerifyAsync(Reparse(raw)));
    }

    [Fact]
    public void Constructor_NamesKeyAndFix_WhenKeyFileIsMissing()
    {
        var e = Assert.Throws<ArgumentException>(() => new DkimMessageSigner(
            new DkimOptions { Enabled = true, Domain = "example.com", Selector = "s", PrivateKeyPath = "keys/missing.pem" }, "/srv/newsletter"));

        Assert.Contains("Newsletter:Dkim:PrivateKeyPath", e.Message);
        Assert.Contains("/srv/newsletter/keys/missing.pem", e.Message);
        Assert.Contains("does not exist", e.Message);
    }
}

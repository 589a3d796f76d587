using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;
using Newsletter.Core.Deliveries;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;

namespace Newsletter.Tests.EndToEnd;

/// <summary>
/// The whole pipeline, as `newsletter publish` runs it: the sample stories, the real templates, the SQLite store,
/// a Hangfire server with several workers on its SQLite storage, and real SMTP to a server on 127.0.0.1.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class PublishEndToEndTests : IAsyncLifetime
{
    private const int SubscriberCount = 200;

    private readonly TestEnvironment _environment = new();
    private readonly TestSmtpServer _smtp = new();
    private IReadOnlyList<string> _subscribers = [];
    private IReadOnlyList<MimeMessage> _received = [];
    private DeliveryCounts _counts = new(0, 0, 0, 0);

    public async Task InitializeAsync()
    {
        await _smtp.StartAsync();
        _environment.UseSmtp(_smtp.Port);
        _subscribers = _environment.AddCsvList("readers", SubscriberCount);

        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: true, _environment.Settings));
        await host.StartAsync();
        (_, _counts) = await host.PublishAndWaitAsync("readers", TimeSpan.FromMinutes(2));
        await host.StopAsync();

        _received = _smtp.Received.Select(m => m.Parse()).ToList();
    }

    public async Task DisposeAsync()
    {
        await _smtp.DisposeAsync();
        _environment.Dispose();
    }

    [Fact]
    public void Publish_DeliversExactlyOneMessageToEverySubscriber()
    {
        var recipients = _received.SelectMany(m => m.To.Mailboxes).Select(a => a.Address).ToList();

        Assert.Equal(_subscribers.Order(), recipients.Order());
    }

    [Fact]
    public void Publish_RecordsEveryRecipientAsSentInTheDeliveryLog()
    {
        Assert.Equal(new DeliveryCounts(Pending: 0, Sending: 0, Sent: SubscriberCount, Failed: 0), _counts);
    }

    [Fact]
    public void Publish_SendsTextThenHtmlAlternatives()
    {
        Assert.All(_received, message =>
        {
            var body = Assert.IsType<MultipartAlternative>(message.Body);
            Assert.Collection(body,
                part => Assert.Equal("text/plain", part.ContentType.MimeType),
                part => Assert.Equal("text/html", part.ContentType.MimeType));
            Assert.Contains("Gemma 4", message.TextBody);
            Assert.Contains("Gemma 4", message.HtmlBody);
        });
    }

    [Fact]
    public void Publish_GivesEachMessageTheSenderAndListHeaders()
    {
        Assert.All(_received, message =>
        {
            Assert.Equal("editor@newsletter.test", message.From.Mailboxes.Single().Address);
            Assert.Equal("replies@newsletter.test", message.ReplyTo.Mailboxes.Single().Address);
            Assert.StartsWith("#1: Google Releases Gemma 4", message.Subject);
            Assert.NotEqual(default, message.Date);
            Assert.EndsWith("@newsletter.test", message.MessageId);
            Assert.Contains("readers", message.Headers[HeaderId.ListId]);
            Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        });
        Assert.Equal(SubscriberCount, _received.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public void Publish_GivesEverySubscriberTheirOwnUnsubscribeLink()
    {
        var links = _received.Select(m => m.Headers[HeaderId.ListUnsubscribe]).ToList();

        Assert.All(links, link => Assert.Matches("^<https://newsletter.test/unsubscribe/[A-Za-z0-9_.-]+>$", link));
        Assert.Equal(SubscriberCount, links.Distinct().Count());
        Assert.All(_received, m => Assert.Contains(m.Headers[HeaderId.ListUnsubscribe]!.Trim('<', '>'), m.HtmlBody));
    }
}

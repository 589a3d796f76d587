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

    private readonly TestEnvironment environment = new();
    private readonly TestSmtpServer smtp = new();
    private IReadOnlyList<string> subscribers = [];
    private IReadOnlyList<MimeMessage> received = [];
    private DeliveryCounts counts = new(0, 0, 0, 0);

    public async Task InitializeAsync()
    {
        await smtp.StartAsync();
        environment.UseSmtp(smtp.Port);
        subscribers = environment.AddCsvList("readers", SubscriberCount);

        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: true, environment.Settings));
        await host.StartAsync();
        (_, counts) = await host.PublishAndWaitAsync("readers", TimeSpan.FromMinutes(2));
        await host.StopAsync();

        received = smtp.Received.Select(m => m.Parse()).ToList();
    }

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        environment.Dispose();
    }

    [Fact]
    public void Publish_DeliversExactlyOneMessageToEverySubscriber()
    {
        var recipients = received.SelectMany(m => m.To.Mailboxes).Select(a => a.Address).ToList();

        Assert.Equal(subscribers.Order(), recipients.Order());
    }

    [Fact]
    public void Publish_RecordsEveryRecipientAsSentInTheDeliveryLog()
    {
        Assert.Equal(new DeliveryCounts(Pending: 0, Sending: 0, Sent: SubscriberCount, Failed: 0), counts);
    }

    [Fact]
    public void Publish_SendsTextThenHtmlAlternatives()
    {
        Assert.All(received, message =>
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
        Assert.All(received, message =>
        {
            Assert.Equal("editor@newsletter.test", message.From.Mailboxes.Single().Address);
            Assert.Equal("replies@newsletter.test", message.ReplyTo.Mailboxes.Single().Address);
            Assert.StartsWith("#1: Google Releases Gemma 4", message.Subject);
            Assert.NotEqual(default, message.Date);
            Assert.EndsWith("@newsletter.test", message.MessageId);
            Assert.Contains("readers", message.Headers[HeaderId.ListId]);
            Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        });
        Assert.Equal(SubscriberCount, received.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public void Publish_GivesEverySubscriberTheirOwnUnsubscribeLink()
    {
        var links = received.Select(m => m.Headers[HeaderId.ListUnsubscribe]).ToList();

        Assert.All(links, link => Assert.Matches("^<https://newsletter.test/unsubscribe/[A-Za-z0-9_.-]+>$", link));
        Assert.Equal(SubscriberCount, links.Distinct().Count());
        Assert.All(received, m => Assert.Contains(m.Headers[HeaderId.ListUnsubscribe]!.Trim('<', '>'), m.HtmlBody));
    }
}

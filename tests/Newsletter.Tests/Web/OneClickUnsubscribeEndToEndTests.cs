using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>
/// The whole round trip, as a mailbox provider drives it: an issue goes out over SMTP, the provider POSTs the message's own
/// List-Unsubscribe URL with RFC 8058's body, and the next issue skips that address.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class OneClickUnsubscribeEndToEndTests : IAsyncLifetime
{
    private readonly TestEnvironment environment = new();
    private readonly TestSmtpServer smtp = new();
    private RunningWorker worker = null!;
    private IReadOnlyList<string> subscribers = [];

    public async Task InitializeAsync()
    {
        await smtp.StartAsync();
        environment.UseSmtp(smtp.Port);
        subscribers = environment.AddCsvList("readers", 4);
        worker = await RunningWorker.StartAsync(environment);
    }

    public async Task DisposeAsync()
    {
        await worker.DisposeAsync();
        await smtp.DisposeAsync();
        environment.Dispose();
    }

    [Fact]
    public async Task OneClickPost_OfTheSentListUnsubscribeUrl_MakesTheNextIssueSkipTheAddress()
    {
        var leaver = subscribers[1];
        var (first, _) = await worker.PublishAsync(RunningWorker.FirstWeek, "readers");
        var message = smtp.Received.Select(m => m.Parse()).Single(m => m.To.Mailboxes.Single().Address == leaver);

        // Exactly what the message carries, with only the public base swapped for this test server's address.
        var header = message.Headers[HeaderId.ListUnsubscribe]!;
        var published = new Uri(header.Trim().TrimStart('<').TrimEnd('>'));
        Assert.Equal("https://newsletter.test", published.GetLeftPart(UriPartial.Authority));
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        var target = new Uri(worker.BaseAddress, published.PathAndQuery);

        using var client = worker.Client();
        using var response = await client.PostAsync(target,
            new StringContent("List-Unsubscribe=One-Click", System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));

        var nextWeek = RunningWorker.FirstWeek.AddDays(7);
        await worker.AddStoryAsync(nextWeek, "next-week-story");
        var (second, counts) = await worker.PublishAsync(nextWeek, "readers");

        Assert.NotEqual(first.Number, second.Number);
        var secondIssueRecipients = smtp.Received.Select(m => m.Parse())
            .Where(m => IssueMessageBuilder.TryGetIssueNumber(m, out var number) && number == second.Number)
            .Select(m => m.To.Mailboxes.Single().Address).Order().ToList();
        Assert.Equal(subscribers.Where(s => s != leaver).Order(), secondIssueRecipients);
        Assert.Equal(new DeliveryCounts(Pending: 0, Sending: 0, Sent: subscribers.Count - 1, Failed: 0, Suppressed: 1), counts);
        var suppression = Assert.Single(await worker.Services.GetRequiredService<ISuppressionList>().ListAsync(CancellationToken.None));
        Assert.Equal((leaver, "readers", SuppressionReason.Unsubscribed), (suppression.Email, suppression.ListName, suppression.Reason));
    }
}

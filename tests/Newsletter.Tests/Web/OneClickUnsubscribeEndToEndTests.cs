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
    private readonly TestEnvironment _environment = new();
    private readonly TestSmtpServer _smtp = new();
    private RunningWorker _worker = null!;
    private IReadOnlyList<string> _subscribers = [];

    public async Task InitializeAsync()
    {
        await _smtp.StartAsync();
        _environment.UseSmtp(_smtp.Port);
        _subscribers = _environment.AddCsvList("readers", 4);
        _worker = await RunningWorker.StartAsync(_environment);
    }

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        await _smtp.DisposeAsync();
        _environment.Dispose();
    }

    [Fact]
    public async Task OneClickPost_OfTheSentListUnsubscribeUrl_MakesTheNextIssueSkipTheAddress()
    {
        var leaver = _subscribers[1];
        var (first, _) = await _worker.PublishAsync(RunningWorker.FirstWeek, "readers");
        var message = _smtp.Received.Select(m => m.Parse()).Single(m => m.To.Mailboxes.Single().Address == leaver);

        // Exactly what the message carries, with only the public base swapped for this test server's address.
        var header = message.Headers[HeaderId.ListUnsubscribe]!;
        var published = new Uri(header.Trim().TrimStart('<').TrimEnd('>'));
        Assert.Equal("https://newsletter.test", published.GetLeftPart(UriPartial.Authority));
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        var target = new Uri(_worker.BaseAddress, published.PathAndQuery);

        using var client = _worker.Client();
        using var response = await client.PostAsync(target,
            new StringContent("List-Unsubscribe=One-Click", System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));

        var nextWeek = RunningWorker.FirstWeek.AddDays(7);
        await _worker.AddStoryAsync(nextWeek, "next-week-story");
        var (second, counts) = await _worker.PublishAsync(nextWeek, "readers");

        Assert.NotEqual(first.Number, second.Number);
        var secondIssueRecipients = _smtp.Received.Select(m => m.Parse())
            .Where(m => IssueMessageBuilder.TryGetIssueNumber(m, out var number) && number == second.Number)
            .Select(m => m.To.Mailboxes.Single().Address).Order().ToList();
        Assert.Equal(_subscribers.Where(s => s != leaver).Order(), secondIssueRecipients);
        Assert.Equal(new DeliveryCounts(Pending: 0, Sending: 0, Sent: _subscribers.Count - 1, Failed: 0, Suppressed: 1), counts);
        var suppression = Assert.Single(await _worker.Services.GetRequiredService<ISuppressionList>().ListAsync(CancellationToken.None));
        Assert.Equal((leaver, "readers", SuppressionReason.Unsubscribed), (suppression.Email, suppression.ListName, suppression.Reason));
    }
}

using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Messages;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;
using Newsletter.Tests.Web;

namespace Newsletter.Tests.EndToEnd;

/// <summary>
/// Every unsubscribe honoured, whatever the spelling of the address: real SMTP to the in-process test server, the real
/// one-click endpoint, SQLite files, and issues published the way the weekly job does.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class AddressMatchingEndToEndTests : IAsyncLifetime
{
    private readonly TestEnvironment _environment = new();
    private readonly TestSmtpServer _smtp = new();
    private RunningWorker? _worker;

    public async Task InitializeAsync()
    {
        await _smtp.StartAsync();
        _environment.UseSmtp(_smtp.Port);
    }

    public async Task DisposeAsync()
    {
        if (_worker is not null) await _worker.DisposeAsync();
        await _smtp.DisposeAsync();
        _environment.Dispose();
    }

    [Fact(Timeout = 180_000)]
    public async Task OneClickUnsubscribe_OfANonAsciiUpperCaseAddress_KeepsTheNextIssueFromHer()
    {
        AddInlineList("readers", "ÄDA@example.com", "grace@example.com");
        _worker = await RunningWorker.StartAsync(_environment);
        var (first, _) = await _worker.PublishAsync(RunningWorker.FirstWeek, "readers");
        var toAda = IssueMessages(first.Number).Single(m => m.To.Mailboxes.Single().Address == "ÄDA@example.com");

        using (var response = await OneClickAsync(toAda))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var nextWeek = RunningWorker.FirstWeek.AddDays(7);
        await _worker.AddStoryAsync(nextWeek, "next-week-story");
        var (second, counts) = await _worker.PublishAsync(nextWeek, "readers");

        Assert.Equal(["grace@example.com"], IssueMessages(second.Number).Select(m => m.To.Mailboxes.Single().Address));
        Assert.Equal((1, 1), (counts.Sent, counts.Suppressed));
    }

    [Fact(Timeout = 180_000)]
    public async Task Publish_ToTwoListsSpellingOneNonAsciiAddressInDifferentCase_SendsTheIssueOnce()
    {
        AddInlineList("news", "ÉLODIE@example.com", "grace@example.com");
        AddInlineList("papers", "élodie@example.com");
        _worker = await RunningWorker.StartAsync(_environment);

        var (issue, counts) = await _worker.PublishAsync(RunningWorker.FirstWeek, "news", "papers");

        var toElodie = IssueMessages(issue.Number).Where(m => string.Equals(m.To.Mailboxes.Single().Address, "élodie@example.com", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Single(toElodie);
        Assert.Equal(2, counts.Sent);
    }

    [Fact(Timeout = 180_000)]
    public async Task UnsubscribeFromListA_DoesNotTakeTheIssueAway_WhenSheIsStillOnListB()
    {
        AddInlineList("news", "ada@example.com", "grace@example.com");
        AddInlineList("papers", "ada@example.com");
        _worker = await RunningWorker.StartAsync(_environment);
        var (first, _) = await _worker.PublishAsync(RunningWorker.FirstWeek, "news", "papers");
        var fromNews = IssueMessages(first.Number).Single(m => m.To.Mailboxes.Single().Address == "ada@example.com");
        Assert.Contains("news", fromNews.Headers[HeaderId.ListId]);

        using (var response = await OneClickAsync(fromNews))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var nextWeek = RunningWorker.FirstWeek.AddDays(7);
        await _worker.AddStoryAsync(nextWeek, "next-week-story");
        var (second, _) = await _worker.PublishAsync(nextWeek, "news", "papers");

        var toAda = Assert.Single(IssueMessages(second.Number), m => m.To.Mailboxes.Single().Address == "ada@example.com");
        Assert.Contains("papers", toAda.Headers[HeaderId.ListId]);
        var log = TestDeliveryLog.From(_worker.Services);
        var sends = await log.ListSendsAsync(second.Number, CancellationToken.None);
        var news = await log.CountAsync(second.Number, sends.Single(s => s.ListName == "news").Id, CancellationToken.None);
        var papers = await log.CountAsync(second.Number, sends.Single(s => s.ListName == "papers").Id, CancellationToken.None);
        Assert.Equal((1, 1), (news.Sent, news.Suppressed));
        Assert.Equal((1, 0), (papers.Sent, papers.Suppressed));
    }

    private void AddInlineList(string name, params string[] emails)
    {
        _environment.Settings[$"Newsletter:Lists:{name}:DisplayName"] = $"{name} readers";
        for (var i = 0; i < emails.Length; i++)
        {
            _environment.Settings[$"Newsletter:Lists:{name}:Subscribers:{i}:Email"] = emails[i];
        }
    }

    private List<MimeMessage> IssueMessages(int issueNumber) => _smtp.Received.Select(m => m.Parse())
        .Where(m => IssueMessageBuilder.TryGetIssueNumber(m, out var number) && number == issueNumber)
        .ToList();

    /// <summary>POSTs the message's own List-Unsubscribe URL with RFC 8058's body, as a mailbox provider does.</summary>
    private async Task<HttpResponseMessage> OneClickAsync(MimeMessage message)
    {
        var published = new Uri(message.Headers[HeaderId.ListUnsubscribe]!.Trim().TrimStart('<').TrimEnd('>'));
        using var client = _worker!.Client();
        return await client.PostAsync(new Uri(_worker.BaseAddress, published.PathAndQuery),
            new StringContent("List-Unsubscribe=One-Click", System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));
    }
}

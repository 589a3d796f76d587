using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Bounces;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Sending;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Tests.Web;

[Collection(HangfireCollection.Name)]
public sealed partial class SendsPageTests(PublishedWorkerFixture fixture) : IClassFixture<PublishedWorkerFixture>
{
    private TestDeliveryLog Log => TestDeliveryLog.From(fixture.Worker.Services);

    /// <summary>A send to a one-person list, scheduled for tomorrow: unfinished, so it can be paused, resumed and cancelled.</summary>
    private async Task<Send> ScheduleLaterAsync(string listName)
    {
        var list = new MailingList(listName, listName, [new Subscriber($"{listName}@example.com", null)]);
        var scheduled = await fixture.Worker.Services.GetRequiredService<SendScheduler>()
            .ScheduleAsync(fixture.Issue.Number, list, DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None);
        return scheduled.Send;
    }

    private HttpClient BrowserClient() => new(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
    {
        BaseAddress = fixture.Worker.BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static async Task<HttpResponseMessage> PressAsync(HttpClient client, string page, long sendId, string action)
    {
        var token = AntiforgeryField().Match(page);
        Assert.True(token.Success, "the page has no antiforgery field");
        return await client.PostAsync($"/sends/{sendId}/{action}", new FormUrlEncodedContent([KeyValuePair.Create(token.Groups[1].Value, token.Groups[2].Value)]));
    }

    [Fact]
    public async Task SendsPage_ShowsEachSendWithItsProgress_FromLoopback()
    {
        using var client = BrowserClient();

        var page = await client.GetStringAsync("/sends");

        Assert.Contains($"href=\"/issues/{fixture.Issue.Number}\"", page);
        Assert.Contains("<td>readers</td>", page);
        Assert.Contains($"{fixture.Subscribers.Count} / {fixture.Subscribers.Count}", page);
        Assert.Contains("finished", page);
    }

    [Fact]
    public async Task PauseThenResume_FromLoopback_KeepsAScheduledSendWaitingForItsTime()
    {
        var send = await ScheduleLaterAsync("pausable");
        using var client = BrowserClient();

        using var paused = await PressAsync(client, await client.GetStringAsync("/sends"), send.Id, "pause");
        Assert.Equal(HttpStatusCode.Redirect, paused.StatusCode);
        Assert.Equal(SendState.Paused, (await Log.GetSendAsync(send.Id, CancellationToken.None))!.State);

        using var resumed = await PressAsync(client, await client.GetStringAsync("/sends"), send.Id, "resume");
        Assert.Equal(HttpStatusCode.Redirect, resumed.StatusCode);
        // Long enough for this worker's job server (polling every 0.2 s) to have run a fan-out queued at once by mistake.
        await Task.Delay(TimeSpan.FromSeconds(2));

        var after = (await Log.GetSendAsync(send.Id, CancellationToken.None))!;
        Assert.Equal((SendState.Scheduled, send.ScheduledFor, (DateTimeOffset?)null), (after.State, after.ScheduledFor, after.StartedAt));
        Assert.Equal(0, (await Log.CountAsync(send.IssueNumber, send.Id, CancellationToken.None)).Sent);
        var fanOuts = FanOutJobsOf(send.Id);
        Assert.Equal(["Scheduled"], fanOuts.Select(j => j.State).Distinct());
        Assert.All(fanOuts, j => Assert.Equal(send.ScheduledFor!.Value.UtcDateTime, j.EnqueueAt!.Value, TimeSpan.FromSeconds(1)));
    }

    /// <summary>Every Hangfire job that fans out <paramref name="sendId"/>: its state, and when it is due if scheduled.</summary>
    private List<(string State, DateTime? EnqueueAt)> FanOutJobsOf(long sendId)
    {
        var monitoring = fixture.Worker.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        static bool IsFanOutOf(Hangfire.Common.Job? job, long id) => job?.Type == typeof(FanOutJob) && Convert.ToInt64(job.Args[0]) == id;
        return monitoring.ScheduledJobs(0, 1000).Where(j => IsFanOutOf(j.Value.Job, sendId)).Select(j => ("Scheduled", (DateTime?)j.Value.EnqueueAt))
            .Concat(monitoring.EnqueuedJobs("default", 0, 1000).Where(j => IsFanOutOf(j.Value.Job, sendId)).Select(j => ("Enqueued", (DateTime?)null)))
            .Concat(monitoring.ProcessingJobs(0, 1000).Where(j => IsFanOutOf(j.Value.Job, sendId)).Select(j => ("Processing", (DateTime?)null)))
            .Concat(monitoring.SucceededJobs(0, 1000).Where(j => IsFanOutOf(j.Value.Job, sendId)).Select(j => ("Succeeded", (DateTime?)null)))
            .ToList();
    }

    [Fact]
    public async Task Cancel_FromLoopback_CancelsTheSend()
    {
        var send = await ScheduleLaterAsync("cancellable");
        using var client = BrowserClient();

        using var response = await PressAsync(client, await client.GetStringAsync("/sends"), send.Id, "cancel");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(SendState.Cancelled, (await Log.GetSendAsync(send.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Resume_Answers409WithTheReason_WhenTheSendIsCancelled()
    {
        var send = await ScheduleLaterAsync("cancelled-then-resumed");
        using var client = BrowserClient();
        // The operator's page still shows the send as it was when another operator (or the CLI) cancelled it.
        var page = await client.GetStringAsync("/sends");
        await Log.CancelSendAsync(send.Id, CancellationToken.None);

        using var response = await PressAsync(client, page, send.Id, "resume");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("was cancelled; a cancelled send stays cancelled.", await response.Content.ReadAsStringAsync());
        Assert.Equal(SendState.Cancelled, (await Log.GetSendAsync(send.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Pause_Answers409WithTheReason_WhenTheSendIsCancelled()
    {
        var send = await ScheduleLaterAsync("cancelled-then-paused");
        using var client = BrowserClient();
        var page = await client.GetStringAsync("/sends");
        await Log.CancelSendAsync(send.Id, CancellationToken.None);

        using var response = await PressAsync(client, page, send.Id, "pause");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("is cancelled and cannot be paused.", await response.Content.ReadAsStringAsync());
        Assert.Equal(SendState.Cancelled, (await Log.GetSendAsync(send.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Cancel_Answers409_WhenTheSendHasFinished()
    {
        await ScheduleLaterAsync("gives-the-page-a-form");
        var finished = (await Log.FindSendAsync(fixture.Issue.Number, "readers", CancellationToken.None))!;
        using var client = BrowserClient();

        using var response = await PressAsync(client, await client.GetStringAsync("/sends"), finished.Id, "cancel");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("has finished; there is nothing to cancel.", await response.Content.ReadAsStringAsync());
        Assert.Equal(SendState.Finished, (await Log.GetSendAsync(finished.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Control_Answers404NamingTheSend_WhenNoSendHasThatId()
    {
        var send = await ScheduleLaterAsync("has-a-button");
        using var client = BrowserClient();

        using var response = await PressAsync(client, await client.GetStringAsync("/sends"), send.Id + 987_654, "pause");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains($"There is no send {send.Id + 987_654}.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task StatusAndSendsPage_DescribeAPausedSendInTheSameWords()
    {
        var send = await ScheduleLaterAsync("paused-for-both");
        await Log.PauseSendAsync(send.Id, "paused to check the copy.", CancellationToken.None);
        using var client = BrowserClient();

        var page = await client.GetStringAsync("/sends");
        var status = await CliProcess.RunAsync(fixture.Environment, null, "status", send.IssueNumber.ToString(CultureInfo.InvariantCulture));

        Assert.Contains("<td>paused: paused to check the copy.</td>", page);
        Assert.Contains("(paused: paused to check the copy.)", status.Output);
    }

    [Fact]
    public async Task StatusAndSendsPage_ShowASendsComplaintsAndRateInTheSameWords()
    {
        var readers = new[] { "kim@complained.test", "lee@complained.test" }.Select(e => new Subscriber(e, null)).ToList();
        var send = await Log.CreateSendAsync(fixture.Issue.Number, new MailingList("complained", "Complained", readers), 100, null, CancellationToken.None);
        await Log.MarkSendStartedAsync(send.Id, CancellationToken.None);
        foreach (var delivery in await Log.GetBatchAsync(send.Id, 0, CancellationToken.None))
        {
            await Log.RecordSentAsync(delivery.Id, "250 Ok", null, CancellationToken.None);
        }
        var bounces = fixture.Worker.Services.GetRequiredService<IBounceStore>();
        var complained = (await bounces.FindSentAsync("kim@complained.test", fixture.Issue.Number, CancellationToken.None))!;
        await bounces.RecordComplaintAsync(complained.DeliveryId, complained.SendId, CancellationToken.None);
        using var client = BrowserClient();

        var page = await client.GetStringAsync("/sends");
        var status = await CliProcess.RunAsync(fixture.Environment, null, "status", send.IssueNumber.ToString(CultureInfo.InvariantCulture));

        Assert.Contains("<th>Complaints</th>", page);
        var row = Assert.Single(page.Split("<tr>"), r => r.Contains("<td>complained</td>", StringComparison.Ordinal));
        Assert.Contains("<td class=\"n\">1 (50% of the messages delivered)</td>", row);
        var readersRow = Assert.Single(page.Split("<tr>"), r => r.Contains("<td>readers</td>", StringComparison.Ordinal));
        Assert.Contains("<td class=\"n\">0</td><td>", readersRow);
        Assert.Contains("1 complaint(s): 50% of the messages delivered", status.Output);
    }

    [Fact]
    public async Task Control_WithoutTheAntiforgeryToken_IsRefused_AndChangesNothing()
    {
        var send = await ScheduleLaterAsync("forged");
        using var client = BrowserClient();

        using var response = await client.PostAsync($"/sends/{send.Id}/cancel", new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(SendState.Scheduled, (await Log.GetSendAsync(send.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task SendsPage_AsksForALogin_WhenTheRequestIsNotFromLoopback()
    {
        using var client = BrowserClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/sends");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Dashboard_AsksForALogin_WhenTheRequestIsNotFromLoopback()
    {
        using var client = BrowserClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task SendsPage_IsReadOnly_ForARemoteUserWhoIsNoAdmin()
    {
        var send = await ScheduleLaterAsync("readonly");
        using var client = BrowserClient();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.9");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{PublishedWorkerFixture.ViewerUser}:{PublishedWorkerFixture.ViewerPassword}")));

        var page = await client.GetStringAsync("/sends");
        using var post = await client.PostAsync($"/sends/{send.Id}/cancel", new FormUrlEncodedContent([]));

        Assert.Contains("read-only access", page);
        Assert.DoesNotContain("<button", page);
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal(SendState.Scheduled, (await Log.GetSendAsync(send.Id, CancellationToken.None))!.State);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">")]
    private static partial Regex AntiforgeryField();
}

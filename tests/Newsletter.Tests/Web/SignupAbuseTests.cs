using System.Net;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>The per-client limit of the signup form, and its counters on /metrics, against a worker with the default limit (5 per 10 minutes).</summary>
[Collection(HangfireCollection.Name)]
public sealed class SignupAbuseTests
{
    [Fact]
    public async Task Post_SendsAtMostTheClientLimitOfMails_When100FormsComeFromOneClient()
    {
        await using var signup = await SignupWorker.StartAsync(clientLimit: 5);
        var addresses = Enumerable.Range(0, 100).Select(i => $"flood{i:D3}@example.org").ToList();

        var statuses = new List<HttpStatusCode>();
        foreach (var address in addresses)
        {
            using var response = await signup.PostFormAsync(address);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(95, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        await signup.Smtp.WaitForMessagesAsync(5, TimeSpan.FromSeconds(30));
        Assert.Equal(5, signup.Worker.Logs.Lines.Count(l => l.Contains("confirmation mail queued", StringComparison.Ordinal)));
        Assert.Equal(addresses.Take(5), signup.Smtp.Received.SelectMany(m => m.EnvelopeTo));

        var metrics = PrometheusText.Parse(await signup.Worker.Client().GetStringAsync("/metrics"));
        Assert.Equal(95, metrics.Sum("newsletter_signups_rate_limited_total", ("list", SignupWorker.ListName)));
        Assert.Equal(5, metrics.Sum("newsletter_signups_requested_total", ("list", SignupWorker.ListName)));
    }

    [Fact]
    public async Task Metrics_CountSignupsRequestedConfirmedAndRefusedByReason()
    {
        await using var signup = await SignupWorker.StartAsync();

        await signup.JoinAsync("counted@example.org");
        await signup.PostFormAsync("bot@example.org", honeypot: "filled");
        await signup.PostFormAsync("not-an-address");
        await signup.PostFormAsync("counted@example.org");

        var metrics = PrometheusText.Parse(await signup.Worker.Client().GetStringAsync("/metrics"));
        Assert.Equal(2, metrics.Sum("newsletter_signups_requested_total", ("list", SignupWorker.ListName)));
        Assert.Equal(1, metrics.Sum("newsletter_signups_confirmed_total", ("list", SignupWorker.ListName)));
        Assert.Equal(1, metrics.Sum("newsletter_signups_refused_total", ("list", SignupWorker.ListName), ("reason", "honeypot")));
        Assert.Equal(1, metrics.Sum("newsletter_signups_refused_total", ("list", SignupWorker.ListName), ("reason", "invalid_address")));
        Assert.Equal(1, metrics.Sum("newsletter_signups_refused_total", ("list", SignupWorker.ListName), ("reason", "already_subscribed")));
    }
}

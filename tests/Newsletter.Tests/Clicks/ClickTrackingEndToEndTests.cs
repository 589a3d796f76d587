using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Reports;
using Newsletter.Delivery.Clicks;
using Newsletter.Rendering;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Clicks;

/// <summary>
/// Click tracking end to end: the worker sent the sample week to 20 readers over real SMTP; the story links are taken out of
/// the received messages and requested over real HTTP from the worker's web server.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed partial class ClickTrackingEndToEndTests(ClicksOnFixture fixture) : IClassFixture<ClicksOnFixture>
{
    private const string Browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [GeneratedRegex("""https://newsletter\.test/r/\d+/\d+/[A-Za-z0-9_-]+""")]
    private static partial Regex TrackedUrl();

    private IReadOnlyList<string> TrackedUrlsOf(string body) => TrackedUrl().Matches(body).Select(m => m.Value).ToList();

    [Fact]
    public void StoryLinks_AreIdenticalInEveryReadersCopy_AndNameNoReader()
    {
        var (a, b) = (fixture.Received[fixture.Subscribers[0]], fixture.Received[fixture.Subscribers[1]]);
        var expected = IssueLinks.Collect(fixture.Issue).Count;

        Assert.Equal(expected, TrackedUrlsOf(a.Html).Distinct().Count());
        Assert.Equal(TrackedUrlsOf(a.Html), TrackedUrlsOf(b.Html));
        Assert.Equal(TrackedUrlsOf(a.Text), TrackedUrlsOf(b.Text));
        Assert.Equal(TrackedUrlsOf(a.Html).Distinct().Order(), TrackedUrlsOf(a.Text).Distinct().Order());
        Assert.All(fixture.Received.Values, copy => Assert.Equal(TrackedUrlsOf(a.Html), TrackedUrlsOf(copy.Html)));
        // No story's own URL is left in either part: every story link goes through the redirect.
        Assert.All(IssueLinks.Collect(fixture.Issue), link =>
        {
            Assert.DoesNotContain($"href=\"{WebUtility.HtmlEncode(link.Url.AbsoluteUri)}\"", a.Html);
            Assert.DoesNotContain(link.Url.AbsoluteUri, a.Text);
        });
    }

    [Fact]
    public void UnsubscribeAndViewInBrowserLinks_AreNotRewritten()
    {
        var (html, text) = fixture.Received[fixture.Subscribers[2]];

        Assert.Contains($"href=\"https://newsletter.test/issues/{fixture.Issue.Number}\"", html);
        Assert.Matches("href=\"https://newsletter.test/unsubscribe/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\"", html);
        Assert.Matches("https://newsletter.test/unsubscribe/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+", text);
    }

    [Fact]
    public async Task TrackedLink_Redirects302ToTheStory_AndTheReportCountsOnlyBrowserGets()
    {
        var urls = TrackedUrlsOf(fixture.Received[fixture.Subscribers[0]].Html).Distinct().ToList();
        var stories = IssueLinks.Collect(fixture.Issue);
        using var client = fixture.Worker.Client();
        var before = await TotalClicksAsync();

        // Link 1 three times, link 2 once, by a browser; every link also by HEAD, a bot, a scanner and a client with no user agent.
        var expected = 0;
        for (var i = 0; i < urls.Count; i++)
        {
            var path = new Uri(urls[i]).AbsolutePath;
            var linkId = int.Parse(path.Split('/')[3], System.Globalization.CultureInfo.InvariantCulture);
            var target = stories[linkId - 1].Url;
            var gets = linkId switch { 1 => 3, 2 => 1, _ => 0 };
            for (var n = 0; n < gets; n++)
            {
                await AssertRedirectsAsync(client, HttpMethod.Get, path, Browser, target);
                expected++;
            }
            await AssertRedirectsAsync(client, HttpMethod.Head, path, Browser, target);
            await AssertRedirectsAsync(client, HttpMethod.Get, path, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", target);
            await AssertRedirectsAsync(client, HttpMethod.Get, path, "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", target);
            await AssertRedirectsAsync(client, HttpMethod.Get, path, null, target);
        }

        await WaitForClicksAsync(before + expected);
        var report = await CliProcess.RunAsync(fixture.Environment, null, "report", fixture.Issue.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        Assert.True(report.ExitCode == 0, report.Output + report.Error);
        using var json = JsonDocument.Parse(report.Output);
        var root = json.RootElement;
        Assert.Equal(before + expected, root.GetProperty("clicks").GetInt64());
        Assert.True(root.GetProperty("clicksTracked").GetBoolean());
        var ranked = root.GetProperty("stories").EnumerateArray().ToList();
        Assert.Equal(stories[0].Story.Title, ranked[0].GetProperty("title").GetString());
        Assert.Equal(1, ranked[0].GetProperty("rank").GetInt32());
        Assert.Equal(stories.Select(s => s.Story.Slug).Distinct().Count(), ranked.Count);
        var list = root.GetProperty("lists").EnumerateArray().Single();
        Assert.Equal(TrackedSendFixture.Readers, list.GetProperty("recipients").GetInt32());
        Assert.Equal(TrackedSendFixture.Readers, list.GetProperty("sent").GetInt32());
        Assert.Equal(TrackedSendFixture.Readers, root.GetProperty("sentOverTime").EnumerateArray().Sum(m => m.GetProperty("sent").GetInt64()));
        Assert.Equal(before + expected, root.GetProperty("clicksOverTime").EnumerateArray().Sum(h => h.GetProperty("clicks").GetInt64()));
    }

    [Fact]
    public async Task TrackedLink_Answers404_WhenForgedOrEdited()
    {
        var url = new Uri(TrackedUrlsOf(fixture.Received[fixture.Subscribers[0]].Html)[0]);
        var parts = url.AbsolutePath.Split('/'); // "", "r", issue, link, signature
        var signature = parts[4];
        var flipped = (signature[0] == 'A' ? 'B' : 'A') + signature[1..];
        var signatures = fixture.Worker.Services.GetRequiredService<ClickSignatures>();
        using var client = fixture.Worker.Client();

        foreach (var path in new[]
                 {
                     $"/r/{parts[2]}/{parts[3]}/{flipped}",                       // signature edited
                     $"/r/{parts[2]}/{int.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture) + 1}/{signature}", // another link, same signature
                     $"/r/999/{parts[3]}/{signature}",                            // another issue
                     $"/r/{parts[2]}/{parts[3]}/",                                // no signature
                     $"/r/{parts[2]}/9999/{signatures.Sign(fixture.Issue.Number, 9999)}", // signed, but no such link in the store
                     $"/r/{parts[2]}/{parts[3]}/{signature}?to=https://evil.example/", // the target never comes from the request
                 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.UserAgent.ParseAdd(Browser);
            using var response = await client.SendAsync(request);
            if (path.Contains("evil", StringComparison.Ordinal))
                Assert.DoesNotContain("evil", response.Headers.Location?.ToString() ?? "", StringComparison.Ordinal);
            else
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Metrics_CountRedirectsServedAndClicksCounted()
    {
        var path = new Uri(TrackedUrlsOf(fixture.Received[fixture.Subscribers[0]].Html)[0]).AbsolutePath;
        using var client = fixture.Worker.Client();
        var before = await TotalClicksAsync();
        await AssertRedirectsAsync(client, HttpMethod.Get, path, Browser, IssueLinks.Collect(fixture.Issue)[0].Url);
        await AssertRedirectsAsync(client, HttpMethod.Head, path, Browser, IssueLinks.Collect(fixture.Issue)[0].Url);
        await WaitForClicksAsync(before + 1);

        var metrics = await client.GetStringAsync("/metrics");

        Assert.Matches("newsletter_clicks_redirects_total\\{[^}]*kind=\"click\"[^}]*\\} [1-9]", metrics);
        Assert.Matches("newsletter_clicks_redirects_total\\{[^}]*kind=\"head\"[^}]*\\} [1-9]", metrics);
        Assert.Matches("newsletter_clicks_counted_total(\\{[^}]*\\})? [1-9]", metrics);
    }

    private static async Task AssertRedirectsAsync(HttpClient client, HttpMethod method, string path, string? userAgent, Uri target)
    {
        using var request = new HttpRequestMessage(method, path);
        if (userAgent is not null) request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(target.AbsoluteUri, response.Headers.Location?.AbsoluteUri);
    }

    private async Task<long> TotalClicksAsync() =>
        (await fixture.Worker.Services.GetRequiredService<IssueReports>().GetAsync(fixture.Issue.Number, CancellationToken.None)).TotalClicks;

    /// <summary>Waits until the store holds <paramref name="expected"/> clicks, then a little longer to see that no more arrive.</summary>
    private async Task WaitForClicksAsync(long expected)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (await TotalClicksAsync() < expected && DateTime.UtcNow < deadline) await Task.Delay(100);
        await Task.Delay(ClickRecorderFlushWait);
        Assert.Equal(expected, await TotalClicksAsync());
    }

    // Two flush intervals: anything still queued would be written by then.
    private static readonly TimeSpan ClickRecorderFlushWait = 2 * Newsletter.Web.Clicks.ClickRecorder.FlushInterval;
}

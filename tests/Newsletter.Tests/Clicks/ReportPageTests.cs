using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Newsletter.Rendering.Preview;
using Newsletter.Tests.Support;
using Xunit.Abstractions;

namespace Newsletter.Tests.Clicks;

/// <summary>
/// The operator's report page of a sent issue with clicks, over real HTTP and in headless Chromium at a true 375 px and at
/// 1,000 px. The screenshots are kept in <see cref="ScreenshotFolder"/> for a person to look at.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed partial class ReportPageTests(ClicksOnFixture fixture, ITestOutputHelper output) : IClassFixture<ClicksOnFixture>
{
    private const string Browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

    public static readonly string ScreenshotFolder = Path.Combine(Path.GetTempPath(), "newsletter-report-page");

    // What the browser sees: scripts on the page, the charts' widths and bars, and whether anything is wider than the viewport.
    private const string Measure = """
        JSON.stringify({
          viewport: window.innerWidth,
          scrollWidth: document.documentElement.scrollWidth,
          scripts: document.scripts.length,
          charts: [...document.querySelectorAll('svg.chart')].map(s => ({ label: s.getAttribute('aria-label'),
            width: s.getBoundingClientRect().width, bars: s.querySelectorAll('rect.bar').length })),
          text: document.body.innerText
        })
        """;

    [GeneratedRegex("""https://newsletter\.test(/r/\d+/\d+/[A-Za-z0-9_-]+)""")]
    private static partial Regex TrackedPath();

    [Fact]
    public async Task ReportPage_ShowsBothChartsAndRunsNoScript_At375And1000Px()
    {
        await ClickSomeStoriesAsync();
        using var client = fixture.Worker.Client();
        using var response = await client.GetAsync($"/sends/reports/{fixture.Issue.Number}");
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {html}");
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("script-src", string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Contains("default-src 'none'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")));

        Directory.CreateDirectory(ScreenshotFolder);
        await using var chromium = await HeadlessChromium.LaunchAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        foreach (var width in new[] { 375, 1000 })
        {
            await using var page = await chromium.OpenPageAsync(width, dark: false, CancellationToken.None);
            await page.NavigateAsync(new Uri(fixture.Worker.BaseAddress, $"/sends/reports/{fixture.Issue.Number}"), CancellationToken.None);
            var seen = JsonDocument.Parse((await page.EvaluateAsync(Measure, CancellationToken.None)).GetString()!).RootElement;
            var file = Path.Combine(ScreenshotFolder, $"report-{width}.png");
            await File.WriteAllBytesAsync(file, await page.ScreenshotAsync(CancellationToken.None));
            output.WriteLine($"{width} px: {file}; {seen.GetProperty("charts")}");

            Assert.Equal(width, seen.GetProperty("viewport").GetInt32());
            Assert.Equal(0, seen.GetProperty("scripts").GetInt32());
            Assert.InRange(seen.GetProperty("scrollWidth").GetInt32(), 1, width);
            var charts = seen.GetProperty("charts").EnumerateArray().ToDictionary(c => c.GetProperty("label").GetString()!);
            var stories = charts["Clicks per story, most clicked first"];
            var sent = charts["Messages sent over time"];
            Assert.True(stories.GetProperty("bars").GetInt32() >= 2, "a bar per clicked story");
            Assert.True(sent.GetProperty("bars").GetInt32() >= 1);
            Assert.All(charts.Values, c => Assert.InRange(c.GetProperty("width").GetDouble(), width / 2.0, width));
            Assert.Contains("scanners", seen.GetProperty("text").GetString());
        }
    }

    [Fact]
    public async Task SendsPage_LinksEachIssuesReport()
    {
        using var client = fixture.Worker.Client();

        var sends = await client.GetStringAsync("/sends");

        Assert.Contains($"href=\"/sends/reports/{fixture.Issue.Number}\"", sends);
    }

    [Fact]
    public async Task ReportPage_NeedsOperatorAccess_FromAnotherAddress()
    {
        using var client = fixture.Worker.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/sends/reports/{fixture.Issue.Number}");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7"); // as through a proxy: loopback trust is withdrawn

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task ClickSomeStoriesAsync()
    {
        var paths = TrackedPath().Matches(fixture.Received[fixture.Subscribers[0]].Html).Select(m => m.Groups[1].Value).Distinct().ToList();
        using var client = fixture.Worker.Client();
        for (var i = 0; i < paths.Count; i++)
        {
            for (var n = 0; n < paths.Count - i; n++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, paths[i]);
                request.Headers.TryAddWithoutValidation("User-Agent", Browser);
                using var _ = await client.SendAsync(request);
            }
        }
        await Task.Delay(3 * Newsletter.Web.Clicks.ClickRecorder.FlushInterval);
    }
}

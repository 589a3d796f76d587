using System.Text.Json;
using Newsletter.Tests.Browser;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>Every page <c>run</c> serves carries CSP, nosniff, no-framing and a referrer policy; a real browser then refuses slipped script.</summary>
[Collection(HangfireCollection.Name)]
public sealed class SecurityHeadersTests(PublishedWorkerFixture fixture, ChromiumFixture chromium)
    : IClassFixture<PublishedWorkerFixture>, IClassFixture<ChromiumFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData("/issues")]
    [InlineData("/issues/1")]
    [InlineData("/issues/999")]
    [InlineData("/unsubscribe")]
    [InlineData("/unsubscribe/not-a-token")]
    [InlineData("/sends")]
    [InlineData("/hangfire")]
    [InlineData("/no-such-page")]
    public async Task EveryPage_SendsCspNosniffNoFramingAndReferrerPolicy_WhenServedByRun(string path)
    {
        using var client = fixture.Worker.Client();

        using var response = await client.GetAsync(path);

        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("base-uri 'none'", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.NotEmpty(Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        if (!path.StartsWith("/hangfire", StringComparison.Ordinal))
        {
            // No script source at all: default-src 'none' and nothing re-allows script.
            Assert.StartsWith("default-src 'none';", csp);
            Assert.DoesNotContain("script-src", csp);
        }
    }

    [Fact]
    public async Task ArchivePage_RunsNoScript_WhenATemplateSlipsScriptIntoIt()
    {
        // A template that lets script through stands for any bug that would: inline script, an event handler, a javascript: link.
        using var environment = new TestEnvironment();
        var templates = Path.Combine(environment.Directory, "templates");
        Directory.CreateDirectory(templates);
        foreach (var file in Directory.GetFiles(RepoPaths.Templates)) File.Copy(file, Path.Combine(templates, Path.GetFileName(file)));
        var issueTemplate = Path.Combine(templates, "Issue.cshtml");
        await File.WriteAllTextAsync(issueTemplate, (await File.ReadAllTextAsync(issueTemplate)).Replace("</body>",
            "<script>document.documentElement.dataset.pwned = 'inline script';</script>" +
            "<img id=\"slipped-img\" src=\"https://127.0.0.1:1/none.png\" onerror=\"document.documentElement.dataset.pwned = 'event handler'\">" +
            "<a id=\"slipped-link\" href=\"javascript:void(document.documentElement.dataset.pwned = 'javascript link')\">click</a></body>"));
        environment.Settings["Newsletter:Rendering:TemplatesDirectory"] = templates;
        environment.AddCsvList("readers", 2);
        await using var worker = await RunningWorker.StartAsync(environment);
        var (issue, _) = await worker.PublishAsync(RunningWorker.FirstWeek, "readers");
        var page = new Uri(worker.BaseAddress, $"/issues/{issue.Number}");
        using (var client = worker.Client())
        {
            Assert.Contains("<script>document.documentElement.dataset.pwned", await client.GetStringAsync(page));
        }
        await using var browser = await chromium.Chromium.OpenPageAsync(800, dark: false, None);

        await browser.NavigateAsync(page, None);
        var ranOnLoad = await browser.EvaluateAsync("document.documentElement.dataset.pwned ?? null", None);
        await browser.EvaluateAsync("document.getElementById('slipped-link').click()", None);
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Equal(JsonValueKind.Null, ranOnLoad.ValueKind);
        Assert.Equal(JsonValueKind.Null, (await browser.EvaluateAsync("document.documentElement.dataset.pwned ?? null", None)).ValueKind);
        Assert.Contains(browser.LogEntries, e => e.Contains("Content Security Policy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HangfireDashboard_RunsItsOwnScriptsWithoutPolicyViolations_WhenLoadedFromLoopback()
    {
        await using var browser = await chromium.Chromium.OpenPageAsync(800, dark: false, None);

        await browser.NavigateAsync(new Uri(fixture.Worker.BaseAddress, "/hangfire"), None);
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Equal(JsonValueKind.True, (await browser.EvaluateAsync("typeof window.jQuery === 'function'", None)).ValueKind);
        Assert.DoesNotContain(browser.LogEntries, e => e.Contains("Content Security Policy", StringComparison.Ordinal));
    }
}

using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Lists;
using Newsletter.Rendering.Preview;
using Newsletter.Tests.Browser;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>
/// The pages <c>run</c> serves, in a real browser (the shared headless Chromium, driven over the DevTools protocol): at a
/// true 375 px phone viewport none scrolls sideways and none has or runs a script.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class PagesInABrowserTests(PublishedWorkerFixture fixture, ChromiumFixture browser)
    : IClassFixture<PublishedWorkerFixture>, IClassFixture<ChromiumFixture>
{
    private const int Phone = 375;
    private const int TestTimeout = 120_000;
    private static readonly CancellationToken None = CancellationToken.None;

    // How wide the page is against the viewport, and whether anything could run: script elements, and what the CSP refused.
    private const string Measure = """
        JSON.stringify({
          viewport: window.innerWidth,
          scrollWidth: document.documentElement.scrollWidth,
          scripts: document.scripts.length,
          heading: document.querySelector('h1')?.innerText ?? null
        })
        """;

    [Theory(Timeout = TestTimeout)]
    [InlineData("/issues", "Past issues")]
    [InlineData("/issues/999", "No issue #999 here")]
    [InlineData("/unsubscribe", "Unsubscribe")]
    [InlineData("/unsubscribe/not-a-token", "This link is not valid")]
    [InlineData("/sends", "Sends")]
    public async Task Page_FitsA375PxPhoneWithoutSidewaysScroll_AndHasNoScript(string path, string heading)
    {
        await using var page = await browser.Chromium.OpenPageAsync(Phone, dark: false, None);

        await page.NavigateAsync(new Uri(fixture.Worker.BaseAddress, path), None);

        AssertFitsAPhoneWithoutScript(await MeasureAsync(page), heading);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task IssuePage_FitsA375PxPhoneWithoutSidewaysScroll_AndHasNoScript()
    {
        await using var page = await browser.Chromium.OpenPageAsync(Phone, dark: false, None);

        await page.NavigateAsync(new Uri(fixture.Worker.BaseAddress, $"/issues/{fixture.Issue.Number}"), None);

        var measured = await MeasureAsync(page);
        Assert.Equal(Phone, measured.GetProperty("viewport").GetInt32());
        Assert.InRange(measured.GetProperty("scrollWidth").GetInt32(), 1, Phone);
        Assert.Equal(0, measured.GetProperty("scripts").GetInt32());
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UnsubscribeThenResubscribe_AtPhoneWidth_EveryPageFitsWithoutScript()
    {
        var email = fixture.Subscribers[5];
        await using var page = await browser.Chromium.OpenPageAsync(Phone, dark: false, None);

        await page.NavigateAsync(new Uri(fixture.Worker.BaseAddress, "/unsubscribe/" + fixture.Tokens.Create("readers", email)), None);
        AssertFitsAPhoneWithoutScript(await MeasureAsync(page), "Unsubscribe from readers readers?");
        await page.ClickAndWaitForLoadAsync("#unsubscribe", None);
        AssertFitsAPhoneWithoutScript(await MeasureAsync(page), "You are unsubscribed");
        await page.ClickAndWaitForLoadAsync("#resubscribe", None);
        AssertFitsAPhoneWithoutScript(await MeasureAsync(page), "Welcome back");

        Assert.False(await fixture.Worker.Services.GetRequiredService<ISuppressionList>().IsSuppressedAsync(email, "readers", None));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UnsubscribePage_InABrowser_UnsubscribesOnlyWhenTheButtonIsClicked_AndConfirms()
    {
        var email = fixture.Subscribers[6];
        var suppressions = fixture.Worker.Services.GetRequiredService<ISuppressionList>();
        await using var page = await browser.Chromium.OpenPageAsync(800, dark: false, None);

        await page.NavigateAsync(new Uri(fixture.Worker.BaseAddress, "/unsubscribe/" + fixture.Tokens.Create("readers", email)), None);
        Assert.Contains("Unsubscribe from readers readers?", await page.TextAsync(None));
        Assert.False(await suppressions.IsSuppressedAsync(email, "readers", None));

        await page.ClickAndWaitForLoadAsync("#unsubscribe", None);

        var confirmation = await page.TextAsync(None);
        Assert.Contains("You are unsubscribed", confirmation);
        Assert.Contains(email, confirmation);
        Assert.Contains("Resubscribe", confirmation);
        Assert.True(await suppressions.IsSuppressedAsync(email, "readers", None));
    }

    private static async Task<JsonElement> MeasureAsync(ChromiumPage page) =>
        JsonDocument.Parse((await page.EvaluateAsync(Measure, None)).GetString()!).RootElement;

    private static void AssertFitsAPhoneWithoutScript(JsonElement measured, string heading)
    {
        Assert.Equal(heading, measured.GetProperty("heading").GetString());
        Assert.Equal(Phone, measured.GetProperty("viewport").GetInt32());
        Assert.InRange(measured.GetProperty("scrollWidth").GetInt32(), 1, Phone);
        Assert.Equal(0, measured.GetProperty("scripts").GetInt32());
    }
}

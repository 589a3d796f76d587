using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Lists;
using Newsletter.Tests.Browser;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>The unsubscribe pages in a real browser: headless Chromium, driven over the DevTools protocol.</summary>
[Collection(HangfireCollection.Name)]
public sealed class UnsubscribeBrowserTests(PublishedWorkerFixture fixture, ChromiumFixture chromium)
    : IClassFixture<PublishedWorkerFixture>, IClassFixture<ChromiumFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task UnsubscribePage_InABrowser_UnsubscribesOnlyWhenTheButtonIsClicked_AndConfirms()
    {
        var email = fixture.Subscribers[6];
        var suppressions = fixture.Worker.Services.GetRequiredService<ISuppressionList>();
        await using var browser = await chromium.Chromium.OpenPageAsync(800, dark: false, None);

        await browser.NavigateAsync(new Uri(fixture.Worker.BaseAddress, "/unsubscribe/" + fixture.Tokens.Create("readers", email)), None);
        Assert.Contains("Unsubscribe from readers readers?", await browser.TextAsync(None));
        Assert.False(await suppressions.IsSuppressedAsync(email, "readers", CancellationToken.None));

        await browser.ClickAndWaitForLoadAsync("#unsubscribe", None);

        var confirmation = await browser.TextAsync(None);
        Assert.Contains("You are unsubscribed", confirmation);
        Assert.Contains(email, confirmation);
        Assert.Contains("Resubscribe", confirmation);
        Assert.True(await suppressions.IsSuppressedAsync(email, "readers", CancellationToken.None));
    }
}

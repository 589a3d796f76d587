using System.Text.Json;
using Microsoft.Extensions.Options;
using Newsletter.Core.Deliveries;
using Newsletter.Rendering;
using Newsletter.Rendering.Pages;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Browser;

/// <summary>
/// Every page template under templates/pages, rendered with long values (a long address, a long list name, many columns)
/// and shown in headless Chromium at a true 375 px viewport: none may scroll sideways. A new page adds its case here.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PageTemplatesAtPhoneWidthTests(ChromiumFixture browser)
{
    private const int Phone = 375;
    private const int TestTimeout = 120_000;
    private const string LongEmail = "someone.with.a.rather.long.address+newsletter-tag@mail.subdomain.example-organisation.com";
    private const string LongList = "Tensor Weekly for machine-learning practitioners, researchers and everyone in between";
    private const string Token = "cmVhZGVycwpzb21lb25lQGV4YW1wbGUuY29t.AAECAwQFBgcICQoLDA0ODw";

    private static readonly PageRenderer Pages = new(
        new TemplateEngine(Options.Create(new RenderingOptions { TemplatesDirectory = RepoPaths.Templates })),
        Options.Create(new BrandingOptions { Name = "Tensor Weekly", PostalAddress = "12 Example Street, 1000 Brussels, Belgium" }));

    private static readonly UnsubscribePage Unsubscribe = new(LongList, LongEmail, "/unsubscribe/" + Token, "/unsubscribe/" + Token + "/resubscribe");

    public static TheoryData<string> PageNames => new()
    {
        "unsubscribe/Help", "unsubscribe/Confirm", "unsubscribe/Done", "unsubscribe/Resubscribed", "unsubscribe/ResubscribeRefused",
        "unsubscribe/NotValid", "archive/Index", "archive/NotFound", "operator/Sends", "operator/LoginRequired", "operator/ReadOnly",
        "operator/FormExpired", "operator/NotDone",
    };

    [Theory(Timeout = TestTimeout)]
    [MemberData(nameof(PageNames))]
    public async Task PageTemplate_IsNoWiderThanA375PxViewport_WithLongValues(string page)
    {
        var html = await Pages.RenderAsync(page, SampleModel(page), CancellationToken.None);

        var measured = JsonDocument.Parse((await browser.Chromium.EvaluateAsync(html, Phone,
            "JSON.stringify({ viewport: window.innerWidth, scrollWidth: document.documentElement.scrollWidth })", CancellationToken.None)).GetString()!).RootElement;

        Assert.Equal(Phone, measured.GetProperty("viewport").GetInt32());
        Assert.InRange(measured.GetProperty("scrollWidth").GetInt32(), 1, Phone);
    }

    private static PageModel SampleModel(string page) => page switch
    {
        "unsubscribe/Help" or "unsubscribe/NotValid" or "operator/LoginRequired" or "operator/ReadOnly" or "operator/FormExpired" => new PageModel(),
        "archive/Index" => new ArchivePage([SampleIssue.Build()], number => $"/issues/{number}", "/issues/feed.atom"),
        "archive/NotFound" => new IssueNotFoundPage(999, "/issues"),
        "operator/Sends" => new SendsPage(SampleSends(), [$"lists/{new string('x', 60)}.csv line 3: '{LongEmail}' is not an address"],
            new FormToken("__RequestVerificationToken", new string('t', 150))),
        "operator/NotDone" => new NotDonePage($"Send 42 of issue #7 to '{LongList}' was cancelled; a cancelled send stays cancelled.", "/sends"),
        _ when page.StartsWith("unsubscribe/", StringComparison.Ordinal) => Unsubscribe,
        _ => throw new ArgumentException($"No sample model for the page {page}: add one here.", nameof(page)),
    };

    private static List<SendRow> SampleSends()
    {
        var started = new DateTimeOffset(2026, 4, 6, 7, 0, 0, TimeSpan.Zero);
        SendRow Row(long id, SendState state, DeliveryCounts counts) => new(
            new SendProgress(new Send(id, 7, LongList.Replace(' ', '-'), state, 500, 20, 123_456, started, null, started, null,
                state == SendState.Paused ? "paused from the /sends page (loopback)." : null), counts),
            "/issues/7", action => $"/sends/{id}/{action}", "/sends/reports/7");
        return
        [
            Row(3, SendState.Running, new DeliveryCounts(100_000, 456, 20_000, 3_000)),
            Row(2, SendState.Paused, new DeliveryCounts(60_000, 0, 63_456, 0)),
            Row(1, SendState.Finished, new DeliveryCounts(0, 0, 123_456, 0)),
        ];
    }
}

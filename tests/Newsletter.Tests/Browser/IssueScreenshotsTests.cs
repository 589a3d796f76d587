using System.Buffers.Binary;
using Newsletter.Rendering.Preview;
using Newsletter.Tests.Delivery;
using Newsletter.Tests.Rendering;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Browser;

/// <summary>What <c>issue preview</c> writes next to the HTML: the sample issue captured by the one headless-Chromium driver.</summary>
[Collection(BrowserCollection.Name)]
public sealed class IssueScreenshotsTests(ChromiumFixture browser, RenderingFixture rendering)
{
    private const int TestTimeout = 120_000;

    [Fact(Timeout = TestTimeout)]
    public async Task TryWriteAsync_WritesAPngPerShotAsWideAsItsViewport_WhenChromiumIsInstalled()
    {
        _ = browser.Chromium; // Fails with the install hint when there is no Chromium, rather than passing on "No screenshots".
        using var folder = new TempFolder();
        var log = new StringWriter();

        var written = await IssueScreenshots.TryWriteAsync(rendering.SampleContent.Html, Path.Combine(folder.Path, "issue-1"), log, CancellationToken.None);

        Assert.Equal("", log.ToString());
        Assert.Equal(["issue-1-375.png", "issue-1-800.png", "issue-1-375-dark.png"], written.Select(Path.GetFileName));
        Assert.Equal([375, 800, 375], written.Select(PngWidth));
        Assert.NotEqual(await File.ReadAllBytesAsync(written[0]), await File.ReadAllBytesAsync(written[2]));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Page_ReadsTheTextAndTrueViewportOfLoadedHtml_AtAPhoneWidth()
    {
        await using var page = await browser.Chromium.OpenPageAsync(375, dark: false, CancellationToken.None);

        await page.LoadHtmlAsync("<!doctype html><meta name=\"viewport\" content=\"width=device-width\"><body><p>Hello, <b>Ada</b></p></body>", CancellationToken.None);

        Assert.Equal("Hello, Ada", (await page.TextAsync(CancellationToken.None)).Trim());
        Assert.Equal(375, (await page.EvaluateAsync("window.innerWidth", CancellationToken.None)).GetInt32());
    }

    /// <summary>The width in a PNG's IHDR chunk: bytes 16–19, big-endian.</summary>
    private static int PngWidth(string path) => BinaryPrimitives.ReadInt32BigEndian(File.ReadAllBytes(path).AsSpan(16, 4));
}

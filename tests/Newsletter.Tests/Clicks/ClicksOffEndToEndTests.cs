using Newsletter.Rendering;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Clicks;

/// <summary>With <c>Newsletter:Tracking:Clicks</c> off, the received messages link the stories directly.</summary>
[Collection(HangfireCollection.Name)]
public sealed class ClicksOffEndToEndTests(ClicksOffFixture fixture) : IClassFixture<ClicksOffFixture>
{
    [Fact]
    public void StoryLinks_AreTheStoriesOwnUrls_WhenTrackingIsOff()
    {
        var (html, text) = fixture.Received[fixture.Subscribers[0]];
        var links = IssueLinks.Collect(fixture.Issue);

        Assert.NotEmpty(links);
        Assert.All(links, link => Assert.Contains(link.Url.AbsoluteUri, text));
        Assert.Contains($"href=\"{System.Net.WebUtility.HtmlEncode(links[0].Url.AbsoluteUri)}\"", html);
        Assert.DoesNotContain("https://newsletter.test/r/", html);
        Assert.DoesNotContain("https://newsletter.test/r/", text);
    }
}

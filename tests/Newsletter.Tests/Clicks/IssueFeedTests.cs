using System.Net;
using System.ServiceModel.Syndication;
using System.Xml;
using System.Xml.Linq;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Clicks;

/// <summary>
/// The archive's Atom feed and the archive itself, on a worker that sent issue #1 with click tracking on and holds issue #2
/// scheduled for tomorrow.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class IssueFeedTests(ClicksOnFixture fixture) : IClassFixture<ClicksOnFixture>
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    private async Task<(HttpStatusCode Status, string? ContentType, string Body)> GetAsync(string path)
    {
        using var client = fixture.Worker.Client();
        using var response = await client.GetAsync(path);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Feed_ParsesWithTheSyndicationLibrary_WithOneEntryPerSentIssue()
    {
        var (status, type, body) = await GetAsync("/issues/feed.atom");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/atom+xml", type);
        using var reader = XmlReader.Create(new StringReader(body));
        var feed = SyndicationFeed.Load(reader);
        var entry = Assert.Single(feed.Items);
        Assert.Equal(fixture.Issue.Subject, entry.Title.Text);
        Assert.Equal($"https://newsletter.test/issues/{fixture.Issue.Number}", Assert.Single(entry.Links).Uri.AbsoluteUri);
        var summary = WebUtility.HtmlDecode(entry.Summary.Text);
        Assert.Contains(fixture.Issue.Intro!.Title, summary);
        Assert.All(fixture.Issue.KeyTakeaways, takeaway => Assert.Contains(takeaway.Text, summary));
        Assert.True(entry.LastUpdatedTime > DateTimeOffset.UtcNow.AddHours(-1), $"updated {entry.LastUpdatedTime}: when the send started");
    }

    [Fact]
    public async Task Feed_HasTheElementsRfc4287Requires()
    {
        var (_, _, body) = await GetAsync("/issues/feed.atom");
        var feed = XDocument.Parse(body).Root!;

        Assert.Equal(Atom + "feed", feed.Name);
        // atom:feed MUST contain exactly one id, title and updated, an author (no entry has its own), and SHOULD a self link.
        foreach (var name in new[] { "id", "title", "updated", "author" }) Assert.Single(feed.Elements(Atom + name));
        Assert.Single(feed.Element(Atom + "author")!.Elements(Atom + "name"));
        Assert.Contains(feed.Elements(Atom + "link"), l => (string?)l.Attribute("rel") == "self");
        Assert.True(Uri.IsWellFormedUriString(feed.Element(Atom + "id")!.Value, UriKind.Absolute));
        foreach (var entry in feed.Elements(Atom + "entry"))
        {
            // atom:entry MUST contain exactly one id, title and updated; without content, an alternate link and a summary.
            foreach (var name in new[] { "id", "title", "updated", "summary" }) Assert.Single(entry.Elements(Atom + name));
            Assert.Single(entry.Elements(Atom + "link"), l => (string?)l.Attribute("rel") == "alternate");
            Assert.True(DateTimeOffset.TryParse(entry.Element(Atom + "updated")!.Value, out _));
        }
    }

    [Fact]
    public async Task Feed_CarriesNoTrackedLinks()
    {
        var (_, _, body) = await GetAsync("/issues/feed.atom");

        Assert.DoesNotContain("/r/", body);
    }

    [Fact]
    public async Task ScheduledIssue_IsInNeitherTheFeedNorTheArchive_UntilItsSendStarts()
    {
        var number = fixture.Scheduled.Number;

        var (_, _, feed) = await GetAsync("/issues/feed.atom");
        var (_, _, index) = await GetAsync("/issues");
        var (pageStatus, _, _) = await GetAsync($"/issues/{number}");

        Assert.DoesNotContain($"/issues/{number}<", feed);
        Assert.DoesNotContain(fixture.Scheduled.Subject, feed);
        Assert.DoesNotContain($"href=\"/issues/{number}\"", index);
        Assert.Contains($"href=\"/issues/{fixture.Issue.Number}\"", index);
        Assert.Equal(HttpStatusCode.NotFound, pageStatus);
    }

    [Fact]
    public async Task ArchivePages_AnnounceTheFeed()
    {
        var (_, _, index) = await GetAsync("/issues");
        var (_, _, page) = await GetAsync($"/issues/{fixture.Issue.Number}");

        const string Announcement = "<link rel=\"alternate\" type=\"application/atom+xml\"";
        Assert.Contains(Announcement, index);
        Assert.Contains(Announcement, page);
        Assert.Contains("href=\"https://newsletter.test/issues/feed.atom\"", index);
    }

    [Fact]
    public async Task IssuePage_LinksTheStoriesDirectly_EvenWhenTheEmailIsTracked()
    {
        var (_, _, page) = await GetAsync($"/issues/{fixture.Issue.Number}");

        Assert.DoesNotContain("https://newsletter.test/r/", page);
    }
}

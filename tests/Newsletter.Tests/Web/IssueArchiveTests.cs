using System.Net;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

[Collection(HangfireCollection.Name)]
public sealed class IssueArchiveTests(PublishedWorkerFixture fixture) : IClassFixture<PublishedWorkerFixture>
{
    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using var client = fixture.Worker.Client();
        using var response = await client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task IssuePage_ShowsTheSentIssue_FromTheEmailTemplates()
    {
        var (status, page) = await GetAsync($"/issues/{fixture.Issue.Number}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Gemma 4", page);
        Assert.Contains("https://newsletter.test/unsubscribe\"", page);
    }

    [Fact]
    public async Task IssuePage_ContainsNoSubscriberData()
    {
        var (_, page) = await GetAsync($"/issues/{fixture.Issue.Number}");

        Assert.All(fixture.Subscribers, email => Assert.DoesNotContain(email, page, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("Reader 0", page);
        Assert.DoesNotMatch("/unsubscribe/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+", page);
    }

    [Fact]
    public async Task Index_ListsTheSentIssue()
    {
        var (status, page) = await GetAsync("/issues");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"href=\"/issues/{fixture.Issue.Number}\"", page);
    }

    [Fact]
    public async Task Index_IsRenderedFromTheArchivePageTemplate_WithEachIssuesSubject()
    {
        var (_, page) = await GetAsync("/issues");

        Assert.Contains("<title>Past issues · Tensor Weekly</title>", page);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(fixture.Issue.Subject), page);
        Assert.Contains($"Issue #{fixture.Issue.Number} · week ending", page);
    }

    [Fact]
    public async Task IssuePage_Answers404WithAPageLinkingTheIndex_ForAnIssueThatWasNeverSent()
    {
        var (status, page) = await GetAsync("/issues/999");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("No issue #999 here", page);
        Assert.Contains("href=\"/issues\"", page);
    }

    [Fact]
    public async Task PublicUnsubscribePage_ExplainsWhereThePersonalLinkIs()
    {
        var (status, page) = await GetAsync("/unsubscribe");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("bottom of the email", page);
    }
}

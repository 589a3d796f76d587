using Microsoft.Extensions.Options;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using static Newsletter.Tests.Delivery.DeliveryTestData;

namespace Newsletter.Tests.Delivery;

public class PublicUrlsTests
{
    private readonly PublicUrls _urls = Urls(); // PublicBaseUrl "https://newsletter.example.com/", with its trailing slash

    [Fact]
    public void ViewInBrowser_IsTheIssuesPageUnderThePublicBaseUrl()
    {
        Assert.Equal("https://newsletter.example.com/issues/12", _urls.ViewInBrowser(12).AbsoluteUri);
        Assert.Equal("/issues/12", PublicUrls.IssuePath(12));
    }

    [Fact]
    public void Archive_IsTheIndexOfIssuesUnderThePublicBaseUrl()
    {
        Assert.Equal("https://newsletter.example.com/issues", _urls.Archive.AbsoluteUri);
    }

    [Fact]
    public void Unsubscribe_CarriesATokenThatReadsBackToTheListAndAddress()
    {
        var url = _urls.Unsubscribe(List, new Subscriber("ada@example.com", "Ada"));

        Assert.StartsWith("https://newsletter.example.com/unsubscribe/", url);
        Assert.True(Tokens.TryRead(url["https://newsletter.example.com/unsubscribe/".Length..], out var listName, out var email));
        Assert.Equal(("readers", "ada@example.com"), (listName, email));
    }

    [Fact]
    public void PublicUnsubscribe_IdentifiesNobody()
    {
        Assert.Equal("https://newsletter.example.com/unsubscribe", _urls.PublicUnsubscribe);
    }

    [Fact]
    public void ResubscribePath_IsTheUnsubscribePathOfTheSameToken()
    {
        Assert.Equal("/unsubscribe/abc.def", PublicUrls.UnsubscribeTokenPath("abc.def"));
        Assert.Equal("/unsubscribe/abc.def/resubscribe", PublicUrls.ResubscribePath("abc.def"));
    }

    [Theory]
    [InlineData("newsletter.example.com")]
    [InlineData("ftp://newsletter.example.com")]
    [InlineData("https://newsletter.example.com/?x=1")]
    public void Constructor_ThrowsNamingTheSetting_WhenThePublicBaseUrlIsNotAnAbsoluteHttpUrl(string baseUrl)
    {
        var ex = Assert.Throws<ArgumentException>(() => new PublicUrls(Options.Create(new SenderOptions { PublicBaseUrl = baseUrl }), Tokens));

        Assert.Contains("PublicBaseUrl", ex.Message);
        Assert.Contains(baseUrl, ex.Message);
    }
}

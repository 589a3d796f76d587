using Newsletter.Delivery.Signing;

namespace Newsletter.Tests.Delivery;

public class DmarcAlignmentTests
{
    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("example.com", "news.example.com")]
    [InlineData("mail.example.com", "news.example.com")]
    [InlineData("example.co.uk", "news.example.co.uk")]
    public void IsRelaxedAligned_IsTrue_WhenTheOrganizationalDomainsAreEqual(string signing, string from) =>
        Assert.True(DmarcAlignment.IsRelaxedAligned(signing, from));

    [Theory]
    [InlineData("sender-service.com", "example.com")]
    [InlineData("example.net", "example.com")]
    [InlineData("other.co.uk", "example.co.uk")]
    public void IsRelaxedAligned_IsFalse_WhenTheOrganizationalDomainsDiffer(string signing, string from) =>
        Assert.False(DmarcAlignment.IsRelaxedAligned(signing, from));
}

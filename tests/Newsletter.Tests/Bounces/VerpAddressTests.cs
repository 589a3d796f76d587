using Newsletter.Delivery.Bounces;

namespace Newsletter.Tests.Bounces;

public sealed class VerpAddressTests
{
    [Theory]
    [InlineData("bounces+alice=example.com@newsletter.example.com", "alice@example.com")]
    [InlineData("<bounces+alice=example.com@newsletter.example.com>", "alice@example.com")]
    [InlineData("bounces+alice+news=mail.example.co.uk@newsletter.example.com", "alice+news@mail.example.co.uk")]
    [InlineData("bounces+a=b=example.com@newsletter.example.com", "a=b@example.com")]
    public void TryDecode_ReturnsSubscriberAddress_WhenAddressIsVerpEncoded(string address, string expected)
    {
        Assert.Equal(expected, VerpAddress.TryDecode(address));
    }

    [Theory]
    [InlineData("bounces@newsletter.example.com")]
    [InlineData("bounces+tag@newsletter.example.com")]
    [InlineData("bounces+alice=@newsletter.example.com")]
    [InlineData("bounces+=example.com@newsletter.example.com")]
    [InlineData("not an address")]
    [InlineData("")]
    [InlineData(null)]
    public void TryDecode_ReturnsNull_WhenAddressCarriesNoSubscriber(string? address)
    {
        Assert.Null(VerpAddress.TryDecode(address));
    }
}

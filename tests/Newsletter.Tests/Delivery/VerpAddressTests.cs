using Newsletter.Delivery.Messages;

namespace Newsletter.Tests.Delivery;

public class VerpAddressTests
{
    [Fact]
    public void TryEncode_FoldsRecipientIntoReturnPathLocalPart()
    {
        Assert.True(VerpAddress.TryEncode("bounces@bounces.example.com", "alice@example.com", out var verp));

        Assert.Equal("bounces+alice=example.com@bounces.example.com", verp);
    }

    [Fact]
    public void TryDecode_ReturnsRecipient_WhenItsLocalPartHasPlusAndEquals()
    {
        Assert.True(VerpAddress.TryEncode("bounces@b.example", "a+news=x@example.org", out var verp));

        Assert.True(VerpAddress.TryDecode(verp, out var recipient));
        Assert.Equal("a+news=x@example.org", recipient);
    }

    [Fact]
    public void TryEncode_ReturnsFalse_WhenLocalPartWouldExceed64Characters()
    {
        Assert.False(VerpAddress.TryEncode("bounces@b.example", new string('a', 50) + "@example.com", out var verp));
        Assert.Equal("", verp);
    }

    [Fact]
    public void TryEncode_ReturnsFalse_WhenRecipientIsNotAscii()
    {
        Assert.False(VerpAddress.TryEncode("bounces@b.example", "jörg@example.de", out _));
    }

    [Fact]
    public void TryDecode_ReturnsFalse_WhenAddressIsNotVerp()
    {
        Assert.False(VerpAddress.TryDecode("bounces@b.example", out _));
    }

    [Theory]
    [InlineData("bounces+alice=example.com@newsletter.example.com", "alice@example.com")]
    [InlineData("<bounces+alice=example.com@newsletter.example.com>", "alice@example.com")]
    [InlineData("bounces+alice+news=mail.example.co.uk@newsletter.example.com", "alice+news@mail.example.co.uk")]
    [InlineData("bounces+a=b=example.com@newsletter.example.com", "a=b@example.com")]
    public void TryDecode_ReturnsSubscriberAddress_WhenAddressIsVerpEncoded(string address, string expected)
    {
        Assert.True(VerpAddress.TryDecode(address, out var recipient));
        Assert.Equal(expected, recipient);
    }

    [Theory]
    [InlineData("bounces@newsletter.example.com")]
    [InlineData("bounces+tag@newsletter.example.com")]
    [InlineData("bounces+alice=@newsletter.example.com")]
    [InlineData("bounces+=example.com@newsletter.example.com")]
    [InlineData("bounces+alice=localhost@newsletter.example.com")]
    [InlineData("not an address")]
    [InlineData("")]
    [InlineData(null)]
    public void TryDecode_Refuses_WhenAddressCarriesNoSubscriber(string? address)
    {
        Assert.False(VerpAddress.TryDecode(address, out _));
    }
}

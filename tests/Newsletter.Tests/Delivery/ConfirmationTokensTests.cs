using System.Text;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Unsubscribe;

namespace Newsletter.Tests.Delivery;

public class ConfirmationTokensTests
{
    private static readonly UnsubscribeTokens Keys = new(Encoding.UTF8.GetBytes("test-key-0123456789abcdef"));
    private static readonly ConfirmationTokens Tokens = new(Keys);
    private static readonly DateTimeOffset Expires = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Create_RoundTripsListAddressKeyNonceAndExpiry_WhenReadBack()
    {
        var token = Tokens.Create("readers", "ÄDA@Example.com", "nonce1", Expires);

        Assert.True(Tokens.TryRead(token, out var link));
        Assert.Equal(("readers", EmailKey.Of("äda@example.com").Value, "nonce1", Expires), (link.ListName, link.Email, link.Nonce, link.ExpiresAt));
        Assert.Matches("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$", token);
    }

    [Fact]
    public void HasExpired_IsTrue_FromTheExpiryOn()
    {
        Assert.True(Tokens.TryRead(Tokens.Create("readers", "a@x.test", "n", Expires), out var link));

        Assert.False(link.HasExpired(Expires.AddSeconds(-1)));
        Assert.True(link.HasExpired(Expires));
    }

    [Fact]
    public void TryRead_RefusesATokenWithAChangedExpiry_WhenTheSignatureIsKept()
    {
        var token = Tokens.Create("readers", "a@x.test", "n", Expires);
        var mac = token[(token.IndexOf('.') + 1)..];
        var later = Convert.ToBase64String(Encoding.UTF8.GetBytes($"readers\na@x.test\nn\n{Expires.AddYears(1).ToUnixTimeSeconds()}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.False(Tokens.TryRead(later + "." + mac, out _));
    }

    [Fact]
    public void TryRead_RefusesATokenSignedWithAnotherKey()
    {
        var other = new ConfirmationTokens(new UnsubscribeTokens(Encoding.UTF8.GetBytes("another-key-0123456789")));

        Assert.False(Tokens.TryRead(other.Create("readers", "a@x.test", "n", Expires), out _));
    }

    [Fact]
    public void TryRead_RefusesAnUnsubscribeToken_AndUnsubscribeRefusesAConfirmationToken()
    {
        Assert.False(Tokens.TryRead(Keys.Create("readers", "a@x.test"), out _));
        Assert.False(Keys.TryRead(Tokens.Create("readers", "a@x.test", "n", Expires), out _, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("a.b.c")]
    [InlineData("cmVhZGVycw.AAAAAAAAAAAAAAAAAAAAAA")]
    public void TryRead_RefusesMalformedTokens(string token) => Assert.False(Tokens.TryRead(token, out _));
}

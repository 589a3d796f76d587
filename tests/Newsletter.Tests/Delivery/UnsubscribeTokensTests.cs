using System.Text;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Unsubscribe;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Delivery;

public class UnsubscribeTokensTests
{
    private static readonly UnsubscribeTokens Tokens = new(Encoding.UTF8.GetBytes("test-key-0123456789abcdef"));

    [Fact]
    public void Create_RoundTripsListAndLowercasedEmail_WhenReadBack()
    {
        var token = Tokens.Create("readers", "Ada.Lovelace@Example.com");

        Assert.True(Tokens.TryRead(token, out var list, out var email));
        Assert.Equal("readers", list);
        Assert.Equal("ada.lovelace@example.com", email);
    }

    [Fact]
    public void Create_ProducesUrlSafeToken_WhenEmailHasPlusAndUnicode()
    {
        var token = Tokens.Create("readers", "zoë+news@exämple.com");

        Assert.Matches("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$", token);
        Assert.True(Tokens.TryRead(token, out _, out var email));
        Assert.Equal("zoë+news@exämple.com", email);
    }

    [Fact]
    public void Create_CarriesTheEmailKey_WhenTheAddressHasNonAsciiCapitals()
    {
        var token = Tokens.Create("readers", "ÄDA@Example.com");

        Assert.True(Tokens.TryRead(token, out _, out var email));
        Assert.Equal(EmailKey.Of("äda@example.com").Value, email);
    }

    [Fact]
    public void TryRead_Rejects_WhenPayloadIsTampered()
    {
        var token = Tokens.Create("readers", "ada@example.com");
        var forged = Tokens.Create("readers", "bob@example.com");
        var tampered = forged[..forged.IndexOf('.')] + token[token.IndexOf('.')..];

        Assert.False(Tokens.TryRead(tampered, out _, out _));
    }

    [Fact]
    public void TryRead_Rejects_WhenMacIsTampered()
    {
        var token = Tokens.Create("readers", "ada@example.com");
        var last = token[^2];
        var tampered = token[..^2] + (last == 'A' ? 'B' : 'A') + token[^1];

        Assert.False(Tokens.TryRead(tampered, out _, out _));
    }

    [Fact]
    public void TryRead_Rejects_WhenTruncated()
    {
        var token = Tokens.Create("readers", "ada@example.com");

        Assert.False(Tokens.TryRead(token[..^3], out _, out _));
        Assert.False(Tokens.TryRead(token[..token.IndexOf('.')], out _, out _));
    }

    [Fact]
    public void TryRead_Rejects_WhenSignedWithAnotherKey()
    {
        var other = new UnsubscribeTokens(Encoding.UTF8.GetBytes("another-key-0123456789abcdef"));
        var token = other.Create("readers", "ada@example.com");

        Assert.False(Tokens.TryRead(token, out _, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("abc")]
    [InlineData("a.b.c")]
    [InlineData("!!!.???")]
    public void TryRead_Rejects_WhenNotAToken(string token)
    {
        Assert.False(Tokens.TryRead(token, out _, out _));
    }

    [Fact]
    public void FromOptions_ReusesGeneratedKeyFile_WhenSecretKeyIsEmpty()
    {
        using var folder = new TempFolder();
        var options = new UnsubscribeOptions { KeyFile = "data/sub/unsubscribe.key" };

        var first = UnsubscribeTokens.FromOptions(options, folder.Path);
        var second = UnsubscribeTokens.FromOptions(options, folder.Path);

        var token = first.Create("readers", "ada@example.com");
        Assert.True(second.TryRead(token, out _, out _));
        Assert.True(File.Exists(Path.Combine(folder.Path, "data/sub/unsubscribe.key")));
    }

    [Fact]
    public void FromOptions_CreatesKeyFileReadableOnlyByOwner_WhenGenerating()
    {
        if (OperatingSystem.IsWindows())
            return;
        using var folder = new TempFolder();

        UnsubscribeTokens.FromOptions(new UnsubscribeOptions { KeyFile = "k/unsubscribe.key" }, folder.Path);

        var mode = File.GetUnixFileMode(Path.Combine(folder.Path, "k/unsubscribe.key"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public void FromOptions_WritesNoKeyFile_WhenSecretKeyIsSet()
    {
        using var folder = new TempFolder();
        var options = new UnsubscribeOptions { SecretKey = "a-real-secret-of-some-length", KeyFile = "unsubscribe.key" };

        var tokens = UnsubscribeTokens.FromOptions(options, folder.Path);

        Assert.True(tokens.TryRead(tokens.Create("l", "a@b.c"), out _, out _));
        Assert.False(File.Exists(Path.Combine(folder.Path, "unsubscribe.key")));
    }
}

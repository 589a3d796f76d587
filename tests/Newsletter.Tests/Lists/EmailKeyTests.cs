using System.Text;
using Newsletter.Core.Lists;

namespace Newsletter.Tests.Lists;

public sealed class EmailKeyTests
{
    [Theory]
    [InlineData("ÄDA@example.com", "äda@example.com")]
    [InlineData("ÉLODIE@Example.COM", "élodie@example.com")]
    [InlineData("  Ada.Lovelace@Example.com ", "ada.lovelace@example.com")]
    [InlineData("zoë@EXÄMPLE.com", "zoë@exämple.com")]
    [InlineData("zoë@xn--exmple-cua.com", "zoë@exämple.com")]
    [InlineData("ΣΟΦΊΑ@example.gr", "σοφία@example.gr")]
    public void Of_IsTheLowerCaseUnicodeForm_ForEverySpellingOfOneMailbox(string spelling, string key) =>
        Assert.Equal(key, EmailKey.Of(spelling).Value);

    [Fact]
    public void Of_IsTheSame_ForComposedAndDecomposedAccents()
    {
        var composed = "\u00C9lodie@example.com";      // É
        var decomposed = "E\u0301lodie@example.com";   // E + combining acute

        Assert.Equal(EmailKey.Of(composed), EmailKey.Of(decomposed));
        Assert.Equal("élodie@example.com".Normalize(NormalizationForm.FormC), EmailKey.Of(decomposed).Value);
    }

    [Theory]
    [InlineData("ÄDA@example.com")]
    [InlineData("E\u0301LODIE@EXÄMPLE.com")]
    [InlineData("someone@under_score.example")]
    public void Of_IsIdempotent(string spelling)
    {
        var key = EmailKey.Of(spelling).Value;

        Assert.Equal(key, EmailKey.Of(key).Value);
        // Unsubscribe tokens sent before keys existed hold the address lower-cased by .NET: the same key.
        Assert.Equal(key, EmailKey.Of(spelling.ToLowerInvariant()).Value);
    }

    [Fact]
    public void SameMailbox_IsFalse_ForDifferentAddresses() =>
        Assert.False(EmailKey.SameMailbox("ada@example.com", "adb@example.com"));
}

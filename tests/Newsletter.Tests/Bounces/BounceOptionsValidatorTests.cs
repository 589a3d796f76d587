using Newsletter.Delivery.Bounces;

namespace Newsletter.Tests.Bounces;

public sealed class BounceOptionsValidatorTests
{
    private static BounceOptions Valid() => new()
    {
        Enabled = true,
        Host = "imap.newsletter.test",
        User = "bounces",
        Password = "secret",
    };

    private static IReadOnlyList<string> Failures(BounceOptions options) =>
        new BounceOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void Validate_Succeeds_WhenDisabledAndNothingIsSet()
    {
        Assert.Empty(Failures(new BounceOptions()));
    }

    [Fact]
    public void Validate_Succeeds_WhenEnabledWithHostUserAndPassword()
    {
        Assert.Empty(Failures(Valid()));
    }

    [Fact]
    public void Validate_NamesTheHostKey_WhenEnabledWithoutHost()
    {
        var options = Valid();
        options.Host = "";

        Assert.Contains(Failures(options), f => f.Contains("Newsletter:Bounces:Host is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NamesThePasswordVariable_WhenUserIsSetWithoutPassword()
    {
        var options = Valid();
        options.Password = null;

        Assert.Contains(Failures(options), f => f.Contains("Newsletter__Bounces__Password", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Fails_WhenProcessedFolderIsTheFolderBouncesArriveIn()
    {
        var options = Valid();
        options.ProcessedFolder = "inbox";

        Assert.Contains(Failures(options), f => f.Contains("Newsletter:Bounces:ProcessedFolder 'inbox'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Fails_WhenSoftBounceLimitIsZero()
    {
        var options = Valid();
        options.SoftBounceLimit = 0;

        Assert.Contains(Failures(options), f => f.Contains("Newsletter:Bounces:SoftBounceLimit 0", StringComparison.Ordinal));
    }
}

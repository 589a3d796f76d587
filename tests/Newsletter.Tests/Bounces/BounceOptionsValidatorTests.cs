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

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(-0.003)]
    public void Validate_NamesTheCeilingKeyAndTheValue_WhenTheComplaintRateCeilingIsNotAFraction(double ceiling)
    {
        var options = new BounceOptions { ComplaintRateCeiling = ceiling };

        var failure = Assert.Single(Failures(options));

        Assert.StartsWith($"Newsletter:Bounces:ComplaintRateCeiling {ceiling.ToString(System.Globalization.CultureInfo.InvariantCulture)} must be a fraction between 0 and 1", failure);
    }

    [Fact]
    public void Validate_NamesBothMinimumKeys_WhenTheComplaintMinimumsAreBelowOne()
    {
        var options = Valid();
        options.ComplaintMinimumDelivered = 0;
        options.ComplaintMinimumCount = -1;

        var failures = Failures(options);

        Assert.Contains(failures, f => f.StartsWith("Newsletter:Bounces:ComplaintMinimumDelivered 0 must be at least 1", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Newsletter:Bounces:ComplaintMinimumCount -1 must be at least 1", StringComparison.Ordinal));
    }
}

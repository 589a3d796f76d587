using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Bounces;

namespace Newsletter.Tests.Bounces;

/// <summary>The complaint guardrail as a table: when a running send has drawn enough complaints, with enough evidence, to pause.</summary>
public sealed class ComplaintCeilingTests
{
    private static readonly ComplaintCeiling Defaults = new BounceOptions().GetComplaintCeiling();

    [Theory]
    [InlineData(1, 50, false)]        // one early complaint: 2%, but 50 delivered is no evidence
    [InlineData(4, 999, false)]       // 0.4%, one message short of the minimum delivered
    [InlineData(4, 1_000, false)]     // 0.4% after 1,000, but fewer than 5 complaints
    [InlineData(5, 1_000, true)]      // 0.5% after 1,000 with 5 complaints
    [InlineData(30, 10_000, false)]   // exactly 0.3% is not above it
    [InlineData(31, 10_000, true)]    // 0.31%
    [InlineData(0, 100_000, false)]
    public void IsExceeded_FollowsTheDefaults(int complaints, int delivered, bool exceeded)
    {
        Assert.Equal(exceeded, Defaults.IsExceeded(complaints, delivered));
    }

    [Fact]
    public void Defaults_AreTheGmailAndYahooLimitWithAThousandDeliveredAndFiveComplaints()
    {
        Assert.Equal(new ComplaintCeiling(0.003, 1_000, 5), Defaults);
        Assert.Equal("0.3%", SendProgress.Percent(Defaults.Rate));
    }
}

using Newsletter.Core.Deliveries;

namespace Newsletter.Tests.Sending;

/// <summary>The rule alone: a failure rate above the budget with 99% confidence, after a minimum of attempts.</summary>
public sealed class ErrorBudgetRuleTests
{
    private static readonly ErrorBudget Default = new(0.2, 100);

    [Theory]
    [InlineData(9, 9)]
    [InlineData(9, 20)]
    [InlineData(20, 99)]
    public void IsExceeded_IsFalse_BeforeTheMinimumOfAttempts(int failed, int tried) =>
        Assert.False(Default.IsExceeded(failed, tried));

    [Theory]
    [InlineData(9, 100)]
    [InlineData(30, 100)]   // 30% observed, but a cluster at the head of a list is not evidence of 20% overall
    [InlineData(25, 120)]
    [InlineData(230, 1000)] // 23% over a thousand: not above 20% with 99% confidence
    public void IsExceeded_IsFalse_WhenTheRateIsNotAboveTheBudgetWithConfidence(int failed, int tried) =>
        Assert.False(Default.IsExceeded(failed, tried));

    [Theory]
    [InlineData(100, 100)]
    [InlineData(50, 100)]
    [InlineData(80, 100)]
    [InlineData(280, 1000)]
    public void IsExceeded_IsTrue_WhenTheRateIsAboveTheBudgetWithConfidence(int failed, int tried) =>
        Assert.True(Default.IsExceeded(failed, tried));

    [Fact]
    public void WilsonLowerBound_MatchesTheTextbookValue_For50Of100()
    {
        // Wilson score interval, z = 2.576: (0.5 + z²/200 - z·sqrt(0.0025 + z²/40000)) / (1 + z²/100) = 0.3753
        Assert.Equal(0.3753, ErrorBudget.WilsonLowerBound(50, 100), precision: 4);
    }
}

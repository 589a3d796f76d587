using Newsletter.Delivery.Sending;
using Newsletter.Delivery.Transports;

namespace Newsletter.Tests.Sending;

/// <summary>The send engine's rules as a table: what each failure does to the message, the connection and the send.</summary>
public sealed class SendOutcomePolicyTests
{
    [Theory]
    [InlineData(DeliveryFailure.RecipientRefused, DeliveryAction.FailAndSuppress, ConnectionAction.GoOn, SendAction.CheckErrorBudget)]
    [InlineData(DeliveryFailure.MessageRefused, DeliveryAction.Fail, ConnectionAction.GoOn, SendAction.CheckErrorBudget)]
    [InlineData(DeliveryFailure.MessageDeferred, DeliveryAction.Defer, ConnectionAction.GoOn, SendAction.GoOn)]
    [InlineData(DeliveryFailure.SenderRefused, DeliveryAction.Release, ConnectionAction.GoOn, SendAction.Pause)]
    [InlineData(DeliveryFailure.SessionRefused, DeliveryAction.Release, ConnectionAction.GoOn, SendAction.Pause)]
    [InlineData(DeliveryFailure.Throttled, DeliveryAction.Defer, ConnectionAction.BackOff, SendAction.GoOn)]
    [InlineData(DeliveryFailure.ConnectionLost, DeliveryAction.Defer, ConnectionAction.CountFault, SendAction.GoOn)]
    [InlineData(DeliveryFailure.ReplyLost, DeliveryAction.DeferUncertain, ConnectionAction.CountFault, SendAction.GoOn)]
    public void For_GivesTheMessageConnectionAndSendAction_ForEachFailure(DeliveryFailure failure, DeliveryAction message, ConnectionAction connection, SendAction send)
    {
        Assert.Equal(new OutcomeRule(message, connection, send), SendOutcomePolicy.For(failure));
    }

    [Fact]
    public void For_HasARule_ForEveryFailure()
    {
        Assert.All(Enum.GetValues<DeliveryFailure>(), failure => SendOutcomePolicy.For(failure));
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 4)]
    [InlineData(3, 16)]
    [InlineData(6, 120)]
    [InlineData(30, 120)]
    public void ThrottlePause_DoublesEachTimeUpToTwoMinutes(int throttlesSoFar, double expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), SendOutcomePolicy.ThrottlePause(pauseSeconds: 2, throttlesSoFar));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public void GivesUp_OnlyAfterThreeConnectionFailuresInARow(int failuresInARow, bool givesUp)
    {
        Assert.Equal(givesUp, SendOutcomePolicy.GivesUp(failuresInARow));
    }

    [Theory]
    [InlineData(23.9, false)]
    [InlineData(24, true)]
    [InlineData(30, true)]
    public void RetryWindowPassed_WhenTheFirstAttemptIsAtLeastTheWindowAgo(double hoursAgo, bool passed)
    {
        var now = new DateTimeOffset(2026, 4, 6, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(passed, SendOutcomePolicy.RetryWindowPassed(now.AddHours(-hoursAgo), now, TimeSpan.FromHours(24)));
    }
}

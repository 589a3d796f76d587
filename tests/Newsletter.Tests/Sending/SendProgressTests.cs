using Newsletter.Core.Deliveries;

namespace Newsletter.Tests.Sending;

/// <summary>The one description of a send's state that <c>status</c>, /sends, the watcher and the gauges share.</summary>
public sealed class SendProgressTests
{
    private static readonly DateTimeOffset At = new(2026, 4, 6, 6, 0, 0, TimeSpan.Zero);

    private static SendProgress Progress(SendState state, DeliveryCounts counts, DateTimeOffset? scheduledFor = null, string? pauseReason = null) =>
        new(new Send(1, 3, "readers", state, 100, 1, counts.Total, At.AddDays(-1), scheduledFor, null, null, pauseReason), counts);

    private static readonly DeliveryCounts Outstanding = new(Pending: 2, Sending: 1, Sent: 5, Failed: 0, Deferred: 1);
    private static readonly DeliveryCounts Done = new(Pending: 0, Sending: 0, Sent: 8, Failed: 1);

    [Fact]
    public void Phase_IsInProgress_WhenStoredAsFinishedWhileDeliveriesAreOutstanding() =>
        Assert.Equal(SendPhase.InProgress, Progress(SendState.Finished, Outstanding).Phase);

    [Fact]
    public void Phase_IsFinished_WhenEveryDeliveryIsDoneBeforeTheSendIsMarkedFinished() =>
        Assert.Equal(SendPhase.Finished, Progress(SendState.Running, Done).Phase);

    [Fact]
    public void Phase_IsInProgress_WhenAQueuedSendHasNoDeliveriesYet() =>
        Assert.Equal(SendPhase.InProgress, Progress(SendState.Scheduled, DeliveryCounts.None).Phase);

    [Fact]
    public void Phase_IsScheduled_WhenTheSendWaitsForItsTime() =>
        Assert.Equal(SendPhase.Scheduled, Progress(SendState.Scheduled, Outstanding, scheduledFor: At).Phase);

    [Fact]
    public void Phase_IsPausedOrCancelled_AsStored_WhateverTheCounts()
    {
        Assert.Equal(SendPhase.Paused, Progress(SendState.Paused, Done).Phase);
        Assert.Equal(SendPhase.Cancelled, Progress(SendState.Cancelled, Done).Phase);
    }

    [Fact]
    public void Describe_SaysWhyASendIsPaused() =>
        Assert.Equal("paused: 30% of 200 attempts failed.", Progress(SendState.Paused, Outstanding, pauseReason: "30% of 200 attempts failed.").Describe(TimeZoneInfo.Utc));

    [Fact]
    public void Describe_GivesTheScheduledTime_InTheZoneAsked()
    {
        var send = Progress(SendState.Scheduled, Outstanding, scheduledFor: At);
        var plusOne = TimeZoneInfo.CreateCustomTimeZone("plus-one", TimeSpan.FromHours(1), "plus one", "plus one");

        Assert.Equal("scheduled for 2026-04-06 06:00 UTC", send.Describe(TimeZoneInfo.Utc));
        Assert.Equal("scheduled for 2026-04-06 07:00 +01:00", send.Describe(plusOne));
    }

    [Fact]
    public void PhaseName_IsTheWordStatusJsonPrints() =>
        Assert.Equal(["scheduled", "in progress", "paused", "cancelled", "finished"],
            new[]
            {
                Progress(SendState.Scheduled, Outstanding, scheduledFor: At), Progress(SendState.Running, Outstanding),
                Progress(SendState.Paused, Outstanding), Progress(SendState.Cancelled, Outstanding), Progress(SendState.Finished, Done),
            }.Select(p => p.PhaseName));

    [Fact]
    public void Controls_OfferOnlyWhatTheStateAllows()
    {
        Assert.Equal((true, false, true), Controls(Progress(SendState.Running, Outstanding)));
        Assert.Equal((false, false, true), Controls(Progress(SendState.Running, Done)));
        Assert.Equal((false, true, true), Controls(Progress(SendState.Paused, Outstanding)));
        Assert.Equal((false, false, false), Controls(Progress(SendState.Cancelled, Outstanding)));
        Assert.Equal((false, false, false), Controls(Progress(SendState.Finished, Done)));

        static (bool Pause, bool Resume, bool Cancel) Controls(SendProgress p) => (p.CanPause, p.CanResume, p.CanCancel);
    }
}

using MimeKit;
using Newsletter.Delivery.Bounces;

namespace Newsletter.Tests.Bounces;

/// <summary>Feedback-loop reports (ARF, RFC 5965) as RFC 5965's examples, Yahoo's CFL and Microsoft's JMRP write them.</summary>
public sealed class FeedbackReportParserTests
{
    [Fact]
    public void TryParse_ReadsTheAbuseTypeAndTheOriginalsMessageId_WhenRfc5965sSimpleExample()
    {
        var message = BounceFixtures.Load(BounceFixtures.Rfc5965Simple);

        Assert.True(FeedbackReportParser.IsFeedbackReport(message));
        Assert.True(FeedbackReportParser.TryParse(message, out var report, out _));

        Assert.True(report.IsComplaint);
        Assert.Equal("SomeGenerator/1.0", report.UserAgent);
        Assert.Equal(BounceFixtures.Rfc5965SimpleMessageId, Assert.Single(report.OriginalMessageIds));
        Assert.Empty(report.Recipients);
        Assert.Null(report.FeedbackIdIssueNumber);
    }

    [Fact]
    public void TryParse_PutsTheVerpReaderBeforeOriginalRcptTo_WhenRfc5965sCompleteExampleCarriesOnlyHeaders()
    {
        Assert.True(FeedbackReportParser.TryParse(BounceFixtures.Load(BounceFixtures.Rfc5965Complete), out var report, out _));

        Assert.Equal(
            [("grace@example.net", "VERP"), ("grace.hopper@mail.example.net", "Original-Rcpt-To")],
            report.Recipients);
        Assert.Equal("rewritten.4Xk2p91fRtz9sVN@mx.example.net", Assert.Single(report.OriginalMessageIds));
        Assert.Equal(1, report.FeedbackIdIssueNumber);
    }

    [Fact]
    public void TryParse_KeepsMessageIdAndFeedbackIdAndNoRealRecipient_WhenYahooRedactsTheRecipient()
    {
        Assert.True(FeedbackReportParser.TryParse(BounceFixtures.Load(BounceFixtures.YahooCfl), out var report, out _));

        Assert.True(report.IsComplaint);
        Assert.Equal("Yahoo!-Mail-Feedback/2.0", report.UserAgent);
        Assert.Equal(BounceFixtures.YahooCflMessageId, Assert.Single(report.OriginalMessageIds));
        Assert.Equal(2, report.FeedbackIdIssueNumber);
        Assert.Equal([("redacted@yahoo.com", "To")], report.Recipients);
    }

    [Fact]
    public void TryParse_ReadsOriginalRcptToAndTheFeedbackIdIssue_WhenMicrosoftJmrpReport()
    {
        Assert.True(FeedbackReportParser.TryParse(BounceFixtures.Load(BounceFixtures.MicrosoftJmrp), out var report, out _));

        Assert.Equal("Hotmail FBL", report.UserAgent);
        Assert.Equal(("alan@outlook.com", "Original-Rcpt-To"), report.Recipients[0]);
        Assert.Equal(BounceFixtures.MicrosoftJmrpMessageId, Assert.Single(report.OriginalMessageIds));
        Assert.Equal(1, report.FeedbackIdIssueNumber);
    }

    [Fact]
    public void TryParse_ReportsTheType_WhenTheFeedbackIsNotAbuse()
    {
        var message = BounceFixtures.Load(BounceFixtures.Rfc5965Simple);
        message.BodyParts.OfType<MessageFeedbackReport>().Single().Fields["Feedback-Type"] = "auth-failure";

        Assert.True(FeedbackReportParser.TryParse(message, out var report, out _));

        Assert.False(report.IsComplaint);
        Assert.Equal("auth-failure", report.FeedbackType);
    }

    [Fact]
    public void IsFeedbackReport_IsFalse_WhenTheMessageIsADeliveryStatusNotification()
    {
        Assert.False(FeedbackReportParser.IsFeedbackReport(BounceFixtures.Load(BounceFixtures.GmailHard)));
    }

    [Fact]
    public void TryParse_RefusesNamingTheField_WhenTheReportHasNoFeedbackType()
    {
        var message = BounceFixtures.Load(BounceFixtures.Rfc5965Simple);
        message.BodyParts.OfType<MessageFeedbackReport>().Single().Fields.Remove("Feedback-Type");

        Assert.False(FeedbackReportParser.TryParse(message, out _, out var problem));

        Assert.Contains("Feedback-Type", problem);
    }
}

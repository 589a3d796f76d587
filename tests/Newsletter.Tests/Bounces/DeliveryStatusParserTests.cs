using MimeKit;
using Newsletter.Delivery.Bounces;

namespace Newsletter.Tests.Bounces;

public sealed class DeliveryStatusParserTests
{
    [Fact]
    public void TryParse_ReadsHardStatusRecipientAndReturnedMessageId_WhenGmailNotification()
    {
        Assert.True(DeliveryStatusParser.TryParse(BounceFixtures.Load(BounceFixtures.GmailHard), out var report, out _));

        Assert.Equal(BounceKind.Hard, report.Kind);
        var recipient = Assert.Single(report.Recipients);
        Assert.Equal(("ada@example.com", "failed", "5.1.1"), (recipient.FinalRecipient, recipient.Action, recipient.Status));
        Assert.StartsWith("550-5.1.1 The email account that you tried to reach does not exist.", recipient.DiagnosticCode);
        Assert.Equal(BounceFixtures.GmailHardMessageId, Assert.Single(report.OriginalMessageIds));
    }

    [Fact]
    public void TryParse_DecodesVerpAddress_WhenNotificationIsAddressedToVerpReturnPath()
    {
        Assert.True(DeliveryStatusParser.TryParse(BounceFixtures.Load(BounceFixtures.GmailHard), out var report, out _));

        Assert.Equal("ada@example.com", Assert.Single(report.VerpRecipients));
    }

    [Fact]
    public void TryParse_ReadsMessageIdFromReturnedHeaders_WhenPostfixNotificationHasTextRfc822Headers()
    {
        Assert.True(DeliveryStatusParser.TryParse(BounceFixtures.Load(BounceFixtures.PostfixHard), out var report, out _));

        Assert.Equal(BounceKind.Hard, report.Kind);
        Assert.Equal(BounceFixtures.PostfixHardMessageId, Assert.Single(report.OriginalMessageIds));
        Assert.Equal(("alan.turing@mail.example.org", "alan@example.org"), (report.Worst.FinalRecipient, report.Worst.OriginalRecipient));
        Assert.Empty(report.VerpRecipients);
    }

    [Fact]
    public void TryParse_ReportsSoft_WhenServerGaveUpWith4xxStatus()
    {
        Assert.True(DeliveryStatusParser.TryParse(BounceFixtures.Load(BounceFixtures.PostfixSoft), out var report, out _));

        Assert.Equal((BounceKind.Soft, "4.2.2"), (report.Kind, report.Worst.Status));
        Assert.Equal("452 4.2.2 <grace@example.net>: Mailbox full, try again later", report.Worst.DiagnosticCode);
    }

    [Fact]
    public void TryParse_ReportsNoFailure_WhenDelayWarning()
    {
        Assert.True(DeliveryStatusParser.TryParse(BounceFixtures.Load(BounceFixtures.PostfixDelay), out var report, out _));

        Assert.Equal((BounceKind.None, "delayed"), (report.Kind, report.Worst.Action));
    }

    [Fact]
    public void TryParse_RefusesWithReason_WhenDeliveryStatusHasNoActionOrStatus()
    {
        Assert.False(DeliveryStatusParser.TryParse(BounceFixtures.Load(BounceFixtures.Malformed), out _, out var problem));

        Assert.Contains("Action", problem);
        Assert.Contains("Status", problem);
    }

    [Fact]
    public void TryParse_RefusesWithReason_WhenMessageIsNotAReport()
    {
        var autoReply = new MimeMessage { Subject = "Out of office" };
        autoReply.From.Add(MailboxAddress.Parse("ada@example.com"));
        autoReply.Body = new TextPart("plain") { Text = "I am away until Monday." };

        Assert.False(DeliveryStatusParser.TryParse(autoReply, out _, out var problem));

        Assert.Contains("no message/delivery-status part", problem);
        Assert.Contains("text/plain", problem);
    }
}

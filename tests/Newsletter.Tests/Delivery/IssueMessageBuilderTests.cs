using MimeKit;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using static Newsletter.Tests.Delivery.DeliveryTestData;

namespace Newsletter.Tests.Delivery;

public class IssueMessageBuilderTests
{
    private readonly IssueMessageBuilder _builder = Builder();

    private MimeMessage BuildForAda() => RoundTrip(_builder.Build(Content(), List, List.Subscribers.First()).Message);

    [Fact]
    public void Build_SetsFromReplyToAndTo_FromOptionsAndSubscriber()
    {
        var message = BuildForAda();

        var from = Assert.Single(message.From.Mailboxes);
        Assert.Equal(("The Weekly", "news@example.com"), (from.Name, from.Address));
        Assert.Equal("editor@example.com", Assert.Single(message.ReplyTo.Mailboxes).Address);
        var to = Assert.Single(message.To.Mailboxes);
        Assert.Equal(("Ada Lovelace", "ada@example.com"), (to.Name, to.Address));
    }

    [Fact]
    public void Build_SetsSubjectDateAndFeedbackId_FromContent()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-2);

        var message = BuildForAda();

        Assert.Equal("Issue 7: things", message.Subject);
        Assert.InRange(message.Date, before, DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.Equal("issue-7:readers:newsletter:example-com", message.Headers["Feedback-ID"]);
        Assert.True(IssueMessageBuilder.TryGetIssueNumber(message, out var issue));
        Assert.Equal(7, issue);
    }

    [Fact]
    public void Build_SetsUniqueMessageIdOnFromDomain_ForEachMessage()
    {
        var first = BuildForAda();
        var second = BuildForAda();

        Assert.EndsWith("@example.com", first.MessageId);
        Assert.NotEqual(first.MessageId, second.MessageId);
    }

    [Fact]
    public void Build_SetsListIdWithDisplayNameAndListDomain_PerRfc2919()
    {
        var message = BuildForAda();

        Assert.Equal("\"Weekly readers\" <readers.example.com>", message.Headers[HeaderId.ListId]);
    }

    [Fact]
    public void Build_SetsOneClickListUnsubscribe_PerRfc8058()
    {
        var message = BuildForAda();

        var expectedUrl = Urls().Unsubscribe(List, List.Subscribers.First());
        Assert.StartsWith("https://newsletter.example.com/unsubscribe/", expectedUrl);
        Assert.Equal("<" + expectedUrl + ">", message.Headers[HeaderId.ListUnsubscribe]);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
    }

    [Fact]
    public void Build_PutsTextThenHtml_InMultipartAlternativeUtf8Body()
    {
        var message = RoundTrip(_builder.Build(Content(7, "s", "<p>Grüße</p>", "Grüße"), List, List.Subscribers.First()).Message);

        var body = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(2, body.Count);
        var text = Assert.IsType<TextPart>(body[0]);
        var html = Assert.IsType<TextPart>(body[1]);
        Assert.True(text.IsPlain);
        Assert.True(html.IsHtml);
        Assert.Equal("utf-8", text.ContentType.Charset, ignoreCase: true);
        Assert.Equal("Grüße", text.Text.TrimEnd());
        Assert.Equal("<p>Grüße</p>", html.Text.TrimEnd());
    }

    [Fact]
    public void Build_KeepsLinesShort_WhenHtmlHasVeryLongLines()
    {
        var longHtml = "<p>" + new string('x', 5000) + "</p>";

        var raw = Raw(_builder.Build(Content(7, "s", longHtml, "t"), List, List.Subscribers.First()).Message);

        Assert.All(raw.Replace("\r\n", "\n").Split('\n'), line => Assert.True(line.Length <= 998, $"line of {line.Length} chars"));
        Assert.Contains(longHtml, RoundTrip(_builder.Build(Content(7, "s", longHtml, "t"), List, List.Subscribers.First()).Message).HtmlBody);
    }

    [Fact]
    public void Build_CannotInjectHeaders_WhenNameAndSubjectContainLineBreaks()
    {
        var eve = new Subscriber("eve@example.com", "Eve\r\nBcc: victim@example.com");
        var content = Content(subject: "Weekly\r\nX-Injected: yes");

        var message = RoundTrip(_builder.Build(content, List, eve).Message);

        Assert.Null(message.Headers[HeaderId.Bcc]);
        Assert.Empty(message.Bcc);
        Assert.Null(message.Headers["X-Injected"]);
        var to = Assert.Single(message.To.Mailboxes);
        Assert.Equal("eve@example.com", to.Address);
        Assert.Equal("Eve  Bcc: victim@example.com", to.Name);
        Assert.DoesNotContain("\n", message.Subject);
        Assert.DoesNotContain("\r", message.Subject);
        Assert.Equal("Weekly  X-Injected: yes", message.Subject);
    }

    [Fact]
    public void Build_RemovesBidiOverridesFromTheSubject_WhenAStoredTitleHoldsOne()
    {
        // A title stored before story files refused overrides: "Gemma\u202E4" would show reordered in every mail client.
        var message = RoundTrip(_builder.Build(Content(subject: "#4: Google Releases \u202EGemma\u2066 4\u2069"), List, List.Subscribers.First()).Message);

        Assert.Equal("#4: Google Releases  Gemma  4", message.Subject);
    }

    [Fact]
    public void Build_Throws_WhenSubscriberAddressContainsLineBreak()
    {
        var bad = new Subscriber("eve@example.com\r\nBcc: victim@example.com", null);

        Assert.Throws<ArgumentException>(() => _builder.Build(Content(), List, bad).Message);
    }

    [Fact]
    public void Build_ThrowsArgumentException_WhenMimeKitCannotParseTheAddress()
    {
        Assert.Throws<ArgumentException>(() => _builder.Build(Content(), List, new Subscriber("a..b@example.com", null)).Message);
    }

    [Fact]
    public void UnsubscribeUrl_Differs_PerSubscriberOfTheSameList()
    {
        var ada = Urls().Unsubscribe(List, List.Subscribers.First());
        var bob = Urls().Unsubscribe(List, List.Subscribers.ElementAt(1));

        Assert.NotEqual(ada, bob);
        Assert.True(Tokens.TryRead(bob[(bob.LastIndexOf('/') + 1)..], out var list, out var email));
        Assert.Equal(("readers", "bob@example.org"), (list, email));
    }

    [Fact]
    public void Build_EncodesListIdDisplayName_WhenItIsNotAscii()
    {
        var list = new MailingList("leser", "Wöchentliche Leser", List.Subscribers.ToList());

        var message = RoundTrip(_builder.Build(Content(), list, List.Subscribers.First()).Message);

        var value = message.Headers[HeaderId.ListId];
        Assert.EndsWith("<leser.example.com>", value);
        Assert.Contains("Wöchentliche Leser", value);
    }

    private static IssueMessageBuilder BuilderWith(string? returnPath = null, bool verp = false, string? feedbackSenderId = null) => new(
        Microsoft.Extensions.Options.Options.Create(new SenderOptions
        {
            FromAddress = Sender.FromAddress,
            FromName = Sender.FromName,
            ReplyTo = Sender.ReplyTo,
            PublicBaseUrl = Sender.PublicBaseUrl,
            ReturnPath = returnPath,
            Verp = verp,
            FeedbackSenderId = feedbackSenderId,
        }),
        Urls());

    [Fact]
    public void EnvelopeSenderFor_ReturnsFromAddress_WhenNoReturnPathIsConfigured()
    {
        Assert.Equal("news@example.com", _builder.EnvelopeSenderFor(List.Subscribers.First()).Address);
    }

    [Fact]
    public void EnvelopeSenderFor_ReturnsReturnPath_WhenVerpIsOff()
    {
        Assert.Equal("bounces@bounces.example.com", BuilderWith("bounces@bounces.example.com").EnvelopeSenderFor(List.Subscribers.First()).Address);
    }

    [Fact]
    public void EnvelopeSenderFor_ReturnsVerpAddress_WhenVerpIsOn()
    {
        var builder = BuilderWith("bounces@bounces.example.com", verp: true);

        Assert.Equal("bounces+ada=example.com@bounces.example.com", builder.EnvelopeSenderFor(List.Subscribers.First()).Address);
    }

    [Fact]
    public void EnvelopeSenderFor_FallsBackToReturnPath_WhenRecipientIsTooLongForVerp()
    {
        var builder = BuilderWith("bounces@bounces.example.com", verp: true);

        Assert.Equal("bounces@bounces.example.com", builder.EnvelopeSenderFor(new Subscriber(new string('a', 60) + "@example.com", null)).Address);
    }

    [Fact]
    public void Build_UsesConfiguredFeedbackSenderId_InFeedbackId()
    {
        var message = RoundTrip(BuilderWith(feedbackSenderId: "tensorweekly").Build(Content(issue: 12), List, List.Subscribers.First()).Message);

        Assert.Equal("issue-12:readers:newsletter:tensorweekly", message.Headers["Feedback-ID"]);
    }

    [Fact]
    public void Build_AddsNoPrecedenceReturnPathOrPrivateHeaders()
    {
        var message = BuildForAda();

        Assert.Null(message.Headers["Precedence"]);
        Assert.Null(message.Headers[HeaderId.ReturnPath]);
        Assert.DoesNotContain(message.Headers, h => h.Field.StartsWith("X-", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("1.0", message.Headers[HeaderId.MimeVersion]);
    }
}

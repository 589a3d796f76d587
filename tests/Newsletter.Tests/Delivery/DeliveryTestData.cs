using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Unsubscribe;
using Newsletter.Rendering;

namespace Newsletter.Tests.Delivery;

/// <summary>Shared fixtures for the delivery tests.</summary>
internal static class DeliveryTestData
{
    public static readonly SenderOptions Sender = new()
    {
        FromAddress = "news@example.com",
        FromName = "The Weekly",
        ReplyTo = "editor@example.com",
        PublicBaseUrl = "https://newsletter.example.com/",
    };

    public static readonly UnsubscribeTokens Tokens = new(Encoding.UTF8.GetBytes("delivery-tests-key-0123456789"));

    public static readonly MailingList List = new("readers", "Weekly readers",
        [new Subscriber("ada@example.com", "Ada Lovelace"), new Subscriber("bob@example.org", null)]);

    /// <summary>The envelope sender the transport tests pass (the From address, as without a ReturnPath).</summary>
    public static readonly MailboxAddress Envelope = new("", "news@example.com");

    public static IssueMessageBuilder Builder() => new(Options.Create(Sender), Urls());

    /// <summary>The public URLs under <paramref name="sender"/>'s base URL (default <see cref="Sender"/>), with <see cref="Tokens"/>.</summary>
    public static PublicUrls Urls(SenderOptions? sender = null) => new(Options.Create(sender ?? Sender), Tokens);

    /// <summary>Where a body passed to <see cref="Content"/> takes the subscriber's greeting name and unsubscribe URL.</summary>
    public const string NameSlot = "{name}", UnsubscribeSlot = "{unsubscribe}";

    public static EncodedIssueBody Content(int issue = 7, string subject = "Issue 7: things",
        string html = "<html><body><p>Hello</p></body></html>", string text = "Hello") =>
        new(issue, subject, SlottedText.Parse(html, NameSlot, UnsubscribeSlot), SlottedText.Parse(text, NameSlot, UnsubscribeSlot));

    /// <summary>Writes the message out and parses it back, as a receiving server would see it.</summary>
    public static MimeMessage RoundTrip(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        stream.Position = 0;
        return MimeMessage.Load(stream);
    }

    public static string Raw(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

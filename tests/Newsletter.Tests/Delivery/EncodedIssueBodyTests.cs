using System.Text;
using MimeKit;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Tests.Rendering;
using static Newsletter.Tests.Delivery.DeliveryTestData;

namespace Newsletter.Tests.Delivery;

/// <summary>
/// The body encoded once per issue with each subscriber's values spliced in must be, byte for byte once decoded, the body
/// the renderer personalises for that subscriber, and valid quoted-printable that any reader decodes.
/// </summary>
[Collection(RenderingCollection.Name)]
public sealed class EncodedIssueBodyTests(RenderingFixture fixture)
{
    private static readonly FormatOptions Wire = WireFormat();

    [Theory]
    [InlineData("Ada Lovelace")]
    [InlineData("Ana <Müller> & co = \"quoted\"")]
    [InlineData(null)]
    [InlineData("Ḑŏṙøţħéá 山田 太郎 with a name long enough to pass the seventy-six character limit of one encoded line")]
    public void Build_DecodesToTheRenderersPersonalisedBodies_ForTheSampleIssue(string? name)
    {
        var subscriber = new Subscriber("ada@example.com", name);
        var builder = Builder();
        var expected = fixture.Sample.Personalise(name, Urls().Unsubscribe(List, subscriber));

        var message = Reparse(builder.Build(new EncodedIssueBody(fixture.Sample), List, subscriber).Message, Wire);

        Assert.Equal(Lines(expected.Text), Lines(message.TextBody));
        Assert.Equal(Lines(expected.Html), Lines(message.HtmlBody));
    }

    [Fact]
    public void Build_WritesOnlySevenBitLinesOfAtMost76Characters_ForTheSampleIssue()
    {
        var raw = Serialise(Builder().Build(new EncodedIssueBody(fixture.Sample), List, new Subscriber("ada@example.com", "Ḑŏṙøţħéá")).Message, Wire);

        Assert.All(raw, b => Assert.True(b < 128, $"byte {b} is not 7-bit"));
        var text = Encoding.ASCII.GetString(raw);
        var body = text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.All(body.Split("\r\n"), line => Assert.True(line.Length <= 76, $"line of {line.Length}: {line}"));
        Assert.DoesNotContain("\n", body.Replace("\r\n", ""));
    }

    [Fact]
    public void Build_WritesLineFeedsOnly_WhenTheFormatAsksForThem()
    {
        var unix = FormatOptions.Default.Clone();
        unix.NewLineFormat = NewLineFormat.Unix;

        var raw = Serialise(Builder().Build(new EncodedIssueBody(fixture.Sample), List, new Subscriber("ada@example.com", "Ada")).Message, unix);

        Assert.DoesNotContain((byte)'\r', raw);
        var message = Reparse(raw);
        Assert.Contains("Hi Ada,", message.TextBody);
    }

    [Theory]
    [InlineData("trailing space \nand tab\t\nend")]
    [InlineData("a = b, 100% =3D literal")]
    [InlineData(".starts with a dot\n.\nFrom the editor\nFrom: not a header")]
    [InlineData("windows\r\nline\r\nbreaks\r\n")]
    [InlineData("a lone \r carriage return")]
    [InlineData("ends with spaces   ")]
    [InlineData("\n\n\nblank lines first")]
    [InlineData("")]
    public void Build_DecodesEdgeCasesExactlyAndLeavesNoTrailingWhitespace_WhenSlotsSplitTheText(string edge)
    {
        var text = edge + "{name}" + edge + "{unsubscribe}" + edge;
        var html = "<p>" + edge + "</p>{name}<a href=\"{unsubscribe}\">x</a>";
        var subscriber = new Subscriber("ada@example.com", "Ada");
        var builder = Builder();
        var url = Urls().Unsubscribe(List, subscriber);

        var raw = Serialise(builder.Build(Content(text: text, html: html), List, subscriber).Message, Wire);
        var message = Reparse(raw);

        // Relays may strip whitespace at the end of a line, so quoted-printable must never leave any there.
        Assert.All(Encoding.ASCII.GetString(raw).Split("\r\n"), line => Assert.False(line.EndsWith(' ') || line.EndsWith('\t'), $"'{line}' ends in whitespace"));
        Assert.Equal(Canonical(edge + "Ada" + edge + url + edge), Canonical(message.TextBody ?? ""));
        Assert.Equal(Canonical("<p>" + edge + "</p>Ada<a href=\"" + url.Replace("&", "&amp;") + "\">x</a>"), Canonical(message.HtmlBody ?? ""));
    }

    [Fact]
    public void Build_DecodesALongLineWithoutSpaces_AcrossSoftBreaks()
    {
        var longWord = string.Concat(Enumerable.Repeat("é=x", 200));

        var message = Reparse(Builder().Build(Content(text: longWord + "{unsubscribe}" + longWord), List, new Subscriber("ada@example.com", null)).Message, Wire);

        Assert.StartsWith(longWord, message.TextBody);
        Assert.EndsWith(longWord, message.TextBody);
    }

    [Fact]
    public void Build_SharesNothingPersonalBetweenSubscribers_OfOneEncodedBody()
    {
        var body = new EncodedIssueBody(fixture.Sample);
        var builder = Builder();

        var ana = Reparse(builder.Build(body, List, new Subscriber("ana@example.com", "Ana")).Message, Wire);
        var bob = Reparse(builder.Build(body, List, new Subscriber("bob@example.com", "Bob")).Message, Wire);

        Assert.Contains("Hi Ana,", ana.TextBody);
        Assert.DoesNotContain("Bob", ana.TextBody);
        Assert.Contains("Hi Bob,", bob.TextBody);
        Assert.NotEqual(ana.Headers[HeaderId.ListUnsubscribe], bob.Headers[HeaderId.ListUnsubscribe]);
        Assert.Contains(ana.Headers[HeaderId.ListUnsubscribe]!.Trim('<', '>'), ana.TextBody);
        Assert.Contains(bob.Headers[HeaderId.ListUnsubscribe]!.Trim('<', '>'), bob.TextBody);
    }

    private static FormatOptions WireFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }

    private static byte[] Serialise(MimeMessage message, FormatOptions format)
    {
        using var stream = new MemoryStream();
        message.WriteTo(format, stream);
        return stream.ToArray();
    }

    private static MimeMessage Reparse(MimeMessage message, FormatOptions format) => Reparse(Serialise(message, format));

    private static MimeMessage Reparse(byte[] raw) => MimeMessage.Load(new MemoryStream(raw));

    /// <summary>A text part's line breaks are CRLF on the wire whatever the renderer wrote; compare the lines themselves.</summary>
    private static string[] Lines(string? text) => Canonical(text ?? "").Split('\n');

    private static string Canonical(string text) => text.Replace("\r\n", "\n");
}

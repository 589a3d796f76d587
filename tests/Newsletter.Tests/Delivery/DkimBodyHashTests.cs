using System.Buffers;
using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Signing;
using static Newsletter.Tests.Delivery.DeliveryTestData;

namespace Newsletter.Tests.Delivery;

/// <summary>
/// The signer computes the body hash itself (from the issue's pre-canonicalised pieces) and signs the headers itself; MimeKit's
/// own DKIM code, which shares none of that, is the judge: its verifier must accept every signature, and its signer must
/// arrive at the same body hash, for both canonicalisations and the bodies that test the rules.
/// </summary>
public sealed class DkimBodyHashTests
{
    private static readonly Dictionary<string, (string Html, string Text)> Bodies = new()
    {
        ["personal slots"] = ("<html><body><p>Hi {name},</p><p>Grüße, a long line " + new string('x', 300) + "</p><a href=\"{unsubscribe}\">Unsubscribe</a></body></html>",
                              "Hi {name},\n\nThe week in one line.\n\nUnsubscribe: {unsubscribe}\n"),
        ["no personal slots"] = ("<html><body><p>Hello</p></body></html>", "Hello, everyone"),
        ["lines ending in spaces"] = ("<p>two  spaces   and\ttabs\t </p>   \n   \n\n<p>  indented</p>  ",
                                      "Hi {name},   \n  indented line   with   runs   \n\t\n \nlast line  \n\n\n"),
        ["empty body"] = ("", ""),
    };

    public static TheoryData<string, DkimCanonicalizationAlgorithm, DkimCanonicalizationAlgorithm> Cases()
    {
        var data = new TheoryData<string, DkimCanonicalizationAlgorithm, DkimCanonicalizationAlgorithm>();
        foreach (var body in Bodies.Keys)
        {
            foreach (var header in new[] { DkimCanonicalizationAlgorithm.Relaxed, DkimCanonicalizationAlgorithm.Simple })
            {
                foreach (var bodyAlgorithm in new[] { DkimCanonicalizationAlgorithm.Relaxed, DkimCanonicalizationAlgorithm.Simple })
                    data.Add(body, header, bodyAlgorithm);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Sign_IsAcceptedByMimeKitsVerifier_ForEachCanonicalizationAndBody(string body, DkimCanonicalizationAlgorithm header, DkimCanonicalizationAlgorithm bodyAlgorithm)
    {
        using var signer = Signer(header, bodyAlgorithm);
        var (html, text) = Bodies[body];
        var content = Content(3, "Issue 3", html, text);
        var builder = new IssueMessageBuilder(Options.Create(Sender), Urls(), dkim: signer);

        // Two readers of the same issue: the second reuses the hash state the first left shared.
        foreach (var subscriber in List.Subscribers)
        {
            var wire = Wire(builder.Build(content, List, subscriber).Message);
            Assert.True(await DkimTestKey.VerifyAsync(Parse(wire)), $"{body}, c={header}/{bodyAlgorithm}, {subscriber.Email}:\n{Encoding.ASCII.GetString(wire)}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sign_BodyHashEqualsMimeKitsOwn_ForEachCanonicalizationAndBody(string body, DkimCanonicalizationAlgorithm header, DkimCanonicalizationAlgorithm bodyAlgorithm)
    {
        using var signer = Signer(header, bodyAlgorithm);
        var (html, text) = Bodies[body];
        var content = Content(3, "Issue 3", html, text);
        var subscriber = new Subscriber("grace@example.com", "Grace   Hopper");

        var ours = new IssueMessageBuilder(Options.Create(Sender), Urls(), dkim: signer).Build(content, List, subscriber).Message;
        var theirs = Builder().Build(content, List, subscriber).Message;
        new DkimSigner(DkimTestKey.PrivateKeyPath, DkimTestKey.Domain, DkimTestKey.Selector)
        {
            HeaderCanonicalizationAlgorithm = header,
            BodyCanonicalizationAlgorithm = bodyAlgorithm,
        }.Sign(theirs, ["From", "To"]);

        Assert.Equal(Tag(theirs, "bh"), Tag(ours, "bh"));
    }

    [Theory]
    [InlineData(DkimCanonicalizationAlgorithm.Relaxed)]
    [InlineData(DkimCanonicalizationAlgorithm.Simple)]
    public async Task Sign_IsAcceptedByMimeKitsVerifier_ForATransactionalMessage(DkimCanonicalizationAlgorithm algorithm)
    {
        using var signer = Signer(algorithm, algorithm);
        var builder = new IssueMessageBuilder(Options.Create(Sender), Urls(), dkim: signer);

        var message = builder.BuildTransactional(new Subscriber("new@example.com", "New"), "Confirm", "<p>Confirm  here </p>", "Confirm here:  \nhttps://x.test/c\n\n").Message;

        Assert.True(await DkimTestKey.VerifyAsync(Parse(Wire(message))));
    }

    [Theory]
    [InlineData(DkimCanonicalizationAlgorithm.Relaxed, " C\r\nD E\r\n")]
    [InlineData(DkimCanonicalizationAlgorithm.Simple, " C \r\nD \t E\r\n")]
    public void Canonicalizer_GivesRfc6376sExample_WhenFedOneByteAtATime(DkimCanonicalizationAlgorithm algorithm, string expected)
    {
        // RFC 6376 §3.4.5: the body " C \r\nD \t E\r\n\r\n\r\n".
        var output = new ArrayBufferWriter<byte>();
        var canonicalizer = new DkimBodyCanonicalizer(algorithm, output);
        foreach (var b in " C \r\nD \t E\r\n\r\n\r\n"u8.ToArray())
            canonicalizer.Write([b]);
        canonicalizer.Complete();

        Assert.Equal(expected, Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData(DkimCanonicalizationAlgorithm.Relaxed, "")]
    [InlineData(DkimCanonicalizationAlgorithm.Simple, "\r\n")]
    public void Canonicalizer_GivesRfc6376sEmptyBody_WhenBodyHasOnlyBlankLines(DkimCanonicalizationAlgorithm algorithm, string expected)
    {
        var output = new ArrayBufferWriter<byte>();
        var canonicalizer = new DkimBodyCanonicalizer(algorithm, output);
        canonicalizer.Write(algorithm == DkimCanonicalizationAlgorithm.Relaxed ? " \t\r\n\r\n"u8 : "\r\n\r\n"u8);
        canonicalizer.Complete();

        Assert.Equal(expected, Encoding.ASCII.GetString(output.WrittenSpan));
    }

    private static DkimMessageSigner Signer(DkimCanonicalizationAlgorithm header, DkimCanonicalizationAlgorithm body) =>
        new(new DkimOptions { Enabled = true, Domain = DkimTestKey.Domain, Selector = DkimTestKey.Selector, PrivateKeyPath = DkimTestKey.PrivateKeyPath },
            contentRoot: "/", header, body);

    /// <summary>The message as SMTP carries it: CRLF line breaks.</summary>
    private static byte[] Wire(MimeMessage message)
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        using var stream = new MemoryStream();
        message.WriteTo(format, stream);
        return stream.ToArray();
    }

    private static MimeMessage Parse(byte[] raw)
    {
        using var stream = new MemoryStream(raw);
        return MimeMessage.Load(stream);
    }

    private static string Tag(MimeMessage message, string name) =>
        message.Headers[HeaderId.DkimSignature]!.Split(';').Select(t => t.Trim())
            .Where(t => t.StartsWith(name + "=", StringComparison.Ordinal))
            .Select(t => string.Concat(t[(name.Length + 1)..].Where(c => !char.IsWhiteSpace(c))))
            .Single();
}

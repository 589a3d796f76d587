using System.Text.Encodings.Web;
using System.Text.Unicode;
using Newsletter.Core.Composition;

namespace Newsletter.Rendering;

/// <summary>
/// An issue rendered once (templates run, CSS inlined, text wrapped), ready to be personalised for each
/// subscriber by filling two slots. Immutable and thread-safe.
/// </summary>
public sealed class RenderedIssue
{
    // Encodes what HTML needs encoded but leaves letters such as "é" readable.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly SlottedText _html;
    private readonly SlottedText _text;

    internal RenderedIssue(Issue issue, SlottedText html, SlottedText text)
    {
        Issue = issue;
        _html = html;
        _text = text;
    }

    public Issue Issue { get; }

    /// <summary>The message subject: the issue's subject.</summary>
    public string Subject => Issue.Subject;

    /// <summary>
    /// Both bodies for one subscriber: "Hi {name}," (or "Hi there," without a name) and their unsubscribe URL.
    /// Cheap: no template runs; the name and URL are HTML-encoded in the HTML body and written as they are in the text body.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="unsubscribeUrl"/> is null, empty or whitespace.</exception>
    public PersonalisedContent Personalise(string? subscriberName, string unsubscribeUrl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(unsubscribeUrl);
        var name = GreetingName(subscriberName);
        return new PersonalisedContent(
            _html.Fill(Encoder.Encode(name), Encoder.Encode(unsubscribeUrl)),
            _text.Fill(name, unsubscribeUrl));
    }

    private static string GreetingName(string? subscriberName)
    {
        if (string.IsNullOrWhiteSpace(subscriberName))
            return "there";
        // A name is one line: a newline in it would break the text layout (and, in headers elsewhere, worse).
        return string.Join(' ', subscriberName.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }
}

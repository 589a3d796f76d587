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
    internal RenderedIssue(Issue issue, SlottedText html, SlottedText text)
    {
        Issue = issue;
        Html = html;
        Text = text;
    }

    public Issue Issue { get; }

    /// <summary>
    /// The issue rendered earlier and kept in the store (<see cref="ToStored"/>): the same bodies, cut at the same slots,
    /// without running a template.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="stored"/> is the rendering of another issue.</exception>
    public static RenderedIssue FromStored(Issue issue, IssueRendering stored)
    {
        ArgumentNullException.ThrowIfNull(issue);
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.IssueNumber != issue.Number)
            throw new ArgumentException($"The stored rendering is of issue #{stored.IssueNumber}, not #{issue.Number}.", nameof(stored));
        return new RenderedIssue(
            issue,
            SlottedText.Parse(stored.Html, stored.GreetingNameToken, stored.UnsubscribeUrlToken),
            SlottedText.Parse(stored.Text, stored.GreetingNameToken, stored.UnsubscribeUrlToken));
    }

    /// <summary>The rendering as the store keeps it for <paramref name="listName"/>: each body with its slots as two tokens.</summary>
    public IssueRendering ToStored(string listName)
    {
        ArgumentException.ThrowIfNullOrEmpty(listName);
        // Random, like the renderer's own, so no story text can contain them.
        var token = Guid.NewGuid().ToString("N");
        var nameToken = $"zzslot{token}name";
        var unsubscribeToken = $"zzslot{token}unsub";
        return new IssueRendering(Issue.Number, listName, Html.Fill(nameToken, unsubscribeToken), Text.Fill(nameToken, unsubscribeToken),
            nameToken, unsubscribeToken);
    }

    /// <summary>The message subject: the issue's subject.</summary>
    public string Subject => Issue.Subject;

    /// <summary>The HTML body (CSS inlined), cut at its personal slots; fill them with <see cref="SlotValues.ForHtml"/>.</summary>
    public SlottedText Html { get; }

    /// <summary>The plain-text body, wrapped at 72 columns and cut at its personal slots; fill them with <see cref="SlotValues.ForText"/>.</summary>
    public SlottedText Text { get; }

    /// <summary>
    /// Both bodies for one subscriber: "Hi {name}," (or "Hi there," without a name) and their unsubscribe URL.
    /// Cheap: no template runs.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="unsubscribeUrl"/> is null, empty or whitespace.</exception>
    public PersonalisedContent Personalise(string? subscriberName, string unsubscribeUrl)
    {
        var html = SlotValues.ForHtml(subscriberName, unsubscribeUrl);
        var text = SlotValues.ForText(subscriberName, unsubscribeUrl);
        return new PersonalisedContent(Html.Fill(html.GreetingName, html.UnsubscribeUrl), Text.Fill(text.GreetingName, text.UnsubscribeUrl));
    }
}

/// <summary>What one subscriber's slots are filled with, already escaped for the body it goes into.</summary>
public readonly record struct SlotValues(string GreetingName, string UnsubscribeUrl)
{
    // Encodes what HTML needs encoded but leaves letters such as "é" readable.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public string this[PersonalSlot slot] => slot == PersonalSlot.GreetingName ? GreetingName : UnsubscribeUrl;

    /// <summary>For the HTML body: "there" when there is no name, and both values HTML-encoded.</summary>
    /// <exception cref="ArgumentException"><paramref name="unsubscribeUrl"/> is null, empty or whitespace.</exception>
    public static SlotValues ForHtml(string? subscriberName, string unsubscribeUrl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(unsubscribeUrl);
        return new SlotValues(Encoder.Encode(GreetingNameOf(subscriberName)), Encoder.Encode(unsubscribeUrl));
    }

    /// <summary>For the plain-text body: "there" when there is no name, and both values as they are.</summary>
    /// <exception cref="ArgumentException"><paramref name="unsubscribeUrl"/> is null, empty or whitespace.</exception>
    public static SlotValues ForText(string? subscriberName, string unsubscribeUrl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(unsubscribeUrl);
        return new SlotValues(GreetingNameOf(subscriberName), unsubscribeUrl);
    }

    private static string GreetingNameOf(string? subscriberName)
    {
        if (string.IsNullOrWhiteSpace(subscriberName))
            return "there";
        // A name is one line: a newline in it would break the text layout (and, in headers elsewhere, worse).
        return string.Join(' ', subscriberName.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }
}

using System.Text;

namespace Newsletter.Rendering;

/// <summary>A place in a rendered body that differs per subscriber.</summary>
public enum PersonalSlot
{
    /// <summary>The name in the greeting ("Hi Ada,").</summary>
    GreetingName,

    /// <summary>The subscriber's one-click unsubscribe URL.</summary>
    UnsubscribeUrl,
}

/// <summary>
/// A rendered body cut at its personal slots once, so that filling it for a subscriber is a concatenation, and the parts
/// that are the same for everyone can be encoded once (see Newsletter.Delivery's EncodedIssueBody).
/// Immutable, hence safe to share between threads.
/// </summary>
public sealed class SlottedText
{
    private readonly string[] _literals;   // _literals[i] comes before _slots[i]; the last literal ends the text
    private readonly PersonalSlot[] _slots;
    private readonly int _literalLength;

    private SlottedText(string[] literals, PersonalSlot[] slots)
    {
        _literals = literals;
        _slots = slots;
        _literalLength = literals.Sum(l => l.Length);
    }

    /// <summary>The text between the slots: one more than <see cref="Slots"/>.</summary>
    public IReadOnlyList<string> Literals => _literals;

    /// <summary>The slots, in order: <c>Slots[i]</c> follows <c>Literals[i]</c>.</summary>
    public IReadOnlyList<PersonalSlot> Slots => _slots;

    /// <summary>Cuts <paramref name="text"/> wherever one of the two tokens occurs.</summary>
    public static SlottedText Parse(string text, string greetingNameToken, string unsubscribeUrlToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(greetingNameToken);
        ArgumentException.ThrowIfNullOrEmpty(unsubscribeUrlToken);
        var literals = new List<string>();
        var slots = new List<PersonalSlot>();
        var position = 0;
        while (true)
        {
            var name = text.IndexOf(greetingNameToken, position, StringComparison.Ordinal);
            var unsubscribe = text.IndexOf(unsubscribeUrlToken, position, StringComparison.Ordinal);
            if (name < 0 && unsubscribe < 0)
                break;
            var (at, slot, length) = unsubscribe < 0 || (name >= 0 && name < unsubscribe)
                ? (name, PersonalSlot.GreetingName, greetingNameToken.Length)
                : (unsubscribe, PersonalSlot.UnsubscribeUrl, unsubscribeUrlToken.Length);
            literals.Add(text[position..at]);
            slots.Add(slot);
            position = at + length;
        }
        literals.Add(text[position..]);
        return new SlottedText([.. literals], [.. slots]);
    }

    /// <summary>The whole text with each slot filled.</summary>
    public string Fill(string greetingName, string unsubscribeUrl)
    {
        var builder = new StringBuilder(_literalLength + _slots.Length * Math.Max(greetingName.Length, unsubscribeUrl.Length));
        for (var i = 0; i < _slots.Length; i++)
        {
            builder.Append(_literals[i]);
            builder.Append(_slots[i] == PersonalSlot.GreetingName ? greetingName : unsubscribeUrl);
        }
        builder.Append(_literals[^1]);
        return builder.ToString();
    }
}

using System.Text;

namespace Newsletter.Rendering;

/// <summary>
/// A rendered body cut at its personal slots once, so that filling it for a subscriber is a concatenation.
/// Immutable, hence safe to share between threads.
/// </summary>
internal sealed class SlottedText
{
    internal enum Slot { None, GreetingName, UnsubscribeUrl }

    private readonly string[] _literals;   // _literals[i] is followed by _slots[i]
    private readonly Slot[] _slots;
    private readonly int _literalLength;

    private SlottedText(string[] literals, Slot[] slots)
    {
        _literals = literals;
        _slots = slots;
        _literalLength = literals.Sum(l => l.Length);
    }

    public int SlotCount => _slots.Count(s => s != Slot.None);

    public static SlottedText Parse(string text, string greetingNameToken, string unsubscribeUrlToken)
    {
        var literals = new List<string>();
        var slots = new List<Slot>();
        var position = 0;
        while (true)
        {
            var name = text.IndexOf(greetingNameToken, position, StringComparison.Ordinal);
            var unsubscribe = text.IndexOf(unsubscribeUrlToken, position, StringComparison.Ordinal);
            if (name < 0 && unsubscribe < 0)
                break;
            var (at, slot, length) = unsubscribe < 0 || (name >= 0 && name < unsubscribe)
                ? (name, Slot.GreetingName, greetingNameToken.Length)
                : (unsubscribe, Slot.UnsubscribeUrl, unsubscribeUrlToken.Length);
            literals.Add(text[position..at]);
            slots.Add(slot);
            position = at + length;
        }
        literals.Add(text[position..]);
        slots.Add(Slot.None);
        return new SlottedText([.. literals], [.. slots]);
    }

    public string Fill(string greetingName, string unsubscribeUrl)
    {
        var builder = new StringBuilder(_literalLength + _slots.Length * Math.Max(greetingName.Length, unsubscribeUrl.Length));
        for (var i = 0; i < _literals.Length; i++)
        {
            builder.Append(_literals[i]);
            builder.Append(_slots[i] switch
            {
                Slot.GreetingName => greetingName,
                Slot.UnsubscribeUrl => unsubscribeUrl,
                _ => "",
            });
        }
        return builder.ToString();
    }
}

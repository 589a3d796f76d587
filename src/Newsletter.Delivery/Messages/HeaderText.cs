using Newsletter.Core.Stories;

namespace Newsletter.Delivery.Messages;

/// <summary>Makes text safe to place in a single header line.</summary>
public static class HeaderText
{
    /// <summary>
    /// Replaces CR, LF, every other control character, the Unicode line/paragraph separators and the bidirectional
    /// overrides and isolates with a space, then trims. An override in a subject ("Gemma\u202E4 txt.exe") would make
    /// every mail client show it reordered; story files refuse them at import, and this keeps one stored any other
    /// way out of the headers too. MimeKit folds and encodes what it is given, so a CR/LF that reached it could
    /// still end a header early in some code path; removing them first means no value we put in a
    /// header (a subscriber's name, a subject, a story title) can ever start a new header.
    /// </summary>
    /// <returns>The cleaned text; <c>null</c> stays <c>null</c>.</returns>
    public static string? Sanitize(string? value)
    {
        if (value is null)
            return null;

        // Fast path: most values are clean, so avoid allocating.
        var firstBad = IndexOfUnsafe(value);
        if (firstBad < 0)
            return value.Trim();

        return string.Create(value.Length, value, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = IsUnsafe(c) ? ' ' : c;
            }
        }).Trim();
    }

    /// <summary>True when <paramref name="value"/> contains a character <see cref="Sanitize"/> would replace.</summary>
    public static bool ContainsUnsafe(string value) => IndexOfUnsafe(value) >= 0;

    private static int IndexOfUnsafe(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (IsUnsafe(value[i]))
                return i;
        }

        return -1;
    }

    private static bool IsUnsafe(char c) => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085' || StoryCharacters.IsBidiOverride(c);
}

using System.Globalization;

namespace Newsletter.Core.Stories;

/// <summary>
/// The characters a story's text may not hold, the same rule for every store and every way in (story files,
/// <c>stories add</c>). Control characters (C0, DEL and C1) show as nothing or as boxes, and NUL cannot be stored in
/// PostgreSQL at all; the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) reorder what follows
/// them, so "Gemma\u202E4 txt.exe" reads differently from what it is. Both are refused rather than silently removed:
/// the editor learns which line to fix, and what readers see is what the editor wrote.
/// The right-to-left and left-to-right marks (U+200E, U+200F, U+061C) stay allowed: they are how bidirectional text is
/// written correctly, and they reorder nothing by themselves.
/// </summary>
public static class StoryCharacters
{
    /// <summary>The index of the first character <paramref name="text"/> may not hold, or -1.</summary>
    /// <param name="allowLineBreaks">True for the Markdown summary, where line feeds and tabs are part of the text.</param>
    public static int IndexOfForbidden(string text, bool allowLineBreaks)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (IsForbidden(c) && !(allowLineBreaks && c is '\n' or '\t' or '\r'))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>True for a control character or a bidirectional override or isolate.</summary>
    public static bool IsForbidden(char c) => char.IsControl(c) || IsBidiOverride(c);

    /// <summary>The bidirectional embeddings, overrides and isolates, which reorder the text that follows them.</summary>
    public static bool IsBidiOverride(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';

    /// <summary>Names a forbidden character for an error message, e.g. "U+202E (right-to-left override)".</summary>
    public static string Describe(char c)
    {
        var code = ((int)c).ToString("X4", CultureInfo.InvariantCulture);
        var name = c switch
        {
            '\0' => "NUL",
            '\t' => "tab",
            '\n' => "line feed",
            '\r' => "carriage return",
            '\u001B' => "escape",
            '\u007F' => "delete",
            '\u202A' => "left-to-right embedding",
            '\u202B' => "right-to-left embedding",
            '\u202C' => "pop directional formatting",
            '\u202D' => "left-to-right override",
            '\u202E' => "right-to-left override",
            '\u2066' => "left-to-right isolate",
            '\u2067' => "right-to-left isolate",
            '\u2068' => "first strong isolate",
            '\u2069' => "pop directional isolate",
            _ => "a control character",
        };
        return $"U+{code} ({name})";
    }
}

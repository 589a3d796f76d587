using System.Text;
using System.Text.RegularExpressions;

namespace Newsletter.Rendering;

/// <summary>
/// Wraps plain text at a column limit, breaking only at spaces so a URL is never split
/// (a word longer than the limit gets a line of its own). A wrapped line's continuation
/// keeps its indent and hangs under a leading list marker ("1. ", "- ", "→ ", "[3] ").
/// </summary>
public static partial class TextWrapper
{
    public const int DefaultWidth = 72;

    /// <summary>Wraps every line of <paramref name="text"/> that is longer than <paramref name="width"/>; shorter lines are left as they are.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> is less than 20.</exception>
    public static string Wrap(string text, int width = DefaultWidth)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 20);

        var output = new StringBuilder(text.Length + text.Length / 20);
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0)
                output.Append('\n');
            WrapLine(lines[i].TrimEnd(), width, output);
        }
        return output.ToString();
    }

    private static void WrapLine(string line, int width, StringBuilder output)
    {
        if (line.Length <= width)
        {
            output.Append(line);
            return;
        }

        var prefix = LeadingMarker().Match(line).Value;
        var hanging = new string(' ', prefix.Length);
        // A marker so wide that nothing fits beside it is not worth hanging under.
        if (hanging.Length > width / 2)
            hanging = "";

        var column = 0;
        var lineHasWord = false;
        output.Append(prefix);
        column = prefix.Length;
        lineHasWord = false;

        foreach (var word in line[prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var needed = lineHasWord ? column + 1 + word.Length : column + word.Length;
            if (needed > width && (lineHasWord || column > hanging.Length))
            {
                output.Append('\n').Append(hanging);
                column = hanging.Length;
                lineHasWord = false;
            }
            if (lineHasWord)
            {
                output.Append(' ');
                column++;
            }
            output.Append(word);
            column += word.Length;
            lineHasWord = true;
        }
    }

    // Indent, then optionally one list marker and its following spaces.
    [GeneratedRegex(@"^[ ]*(?:(?:\d{1,3}\.|[-*•→]|\[\d{1,4}\])[ ]+)?")]
    private static partial Regex LeadingMarker();
}

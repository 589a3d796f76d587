using System.Buffers;
using System.Text;

namespace Newsletter.Delivery.Messages;

/// <summary>
/// Quoted-printable (RFC 2045 §6.7) for text bodies, written so that pieces encoded apart join into one valid body: each
/// piece starts at the beginning of a line and ends at the beginning of one (after its own hard line break, or a soft
/// one where the text stops mid-line). Soft breaks vanish when decoded, so the joined pieces decode to the joined texts.
/// That is what lets the parts of a message that are the same for every subscriber be encoded once per issue.
/// </summary>
internal static class QuotedPrintable
{
    /// <summary>RFC 2045's limit on an encoded line, without its line break; a soft break's '=' counts.</summary>
    private const int MaxLineLength = 76;

    private static readonly byte[] Hex = "0123456789ABCDEF"u8.ToArray();

    /// <summary>Appends <paramref name="text"/>, encoded, to <paramref name="output"/>, with <paramref name="newline"/> as every line break.</summary>
    public static void Encode(string text, ReadOnlySpan<byte> newline, IBufferWriter<byte> output)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var line = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (b == (byte)'\n' || (b == (byte)'\r' && i + 1 < bytes.Length && bytes[i + 1] == (byte)'\n'))
            {
                if (b == (byte)'\r')
                    i++;
                output.Write(newline);
                line = 0;
                continue;
            }

            var literal = b switch
            {
                // Spaces and tabs only need encoding at the end of a line, where transports may strip them.
                (byte)' ' or (byte)'\t' => !EndsLine(bytes, i + 1),
                // A '.' or "From " opening a line is safe in SMTP (which dot-stuffs) but not in every mailbox format.
                (byte)'.' => line > 0,
                (byte)'F' => line > 0 || !bytes.AsSpan(i).StartsWith("From "u8),
                (byte)'=' => false,
                _ => b is >= 33 and <= 126,
            };

            var width = literal ? 1 : 3;
            // Room is kept for the '=' of a soft break after this character.
            if (line + width > MaxLineLength - 1)
            {
                SoftBreak(newline, output);
                line = 0;
            }

            if (literal)
            {
                output.Write([b]);
            }
            else
            {
                output.Write([(byte)'=', Hex[b >> 4], Hex[b & 0xF]]);
            }
            line += width;
        }

        if (line > 0)
            SoftBreak(newline, output);
    }

    private static bool EndsLine(byte[] bytes, int next) =>
        next < bytes.Length && (bytes[next] == (byte)'\n' || (bytes[next] == (byte)'\r' && next + 1 < bytes.Length && bytes[next + 1] == (byte)'\n'));

    private static void SoftBreak(ReadOnlySpan<byte> newline, IBufferWriter<byte> output)
    {
        output.Write("="u8);
        output.Write(newline);
    }
}

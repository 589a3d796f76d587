using System.Buffers;
using MimeKit.Cryptography;

namespace Newsletter.Delivery.Signing;

/// <summary>
/// DKIM's body canonicalisation (RFC 6376 §3.4.3 simple, §3.4.4 relaxed), streaming: bytes go in as the body is written
/// (with CRLF line breaks), the canonical form comes out into <see cref="Output"/>. Line breaks are held back until
/// something other than a line break follows, because empty lines at the end of the body are not part of its canonical
/// form; relaxed whitespace is held back until the line goes on, because whitespace at the end of a line is dropped.
/// </summary>
/// <remarks>
/// A piece that starts and ends at the beginning of a line (as every piece of <see cref="Messages.EncodedIssueBody"/>
/// does) can be canonicalised on its own with <see cref="CanonicalizeLines"/>: no rule looks across a line break except
/// the one about empty lines at the very end, so such pieces canonicalise independently and their canonical forms join.
/// </remarks>
internal sealed class DkimBodyCanonicalizer(DkimCanonicalizationAlgorithm algorithm, IBufferWriter<byte> output)
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private readonly bool _relaxed = algorithm == DkimCanonicalizationAlgorithm.Relaxed;

    /// <summary>Line breaks seen since the last content: written once content follows, dropped at the end of the body.</summary>
    private int _heldLineBreaks;

    /// <summary>Relaxed: a run of spaces and tabs inside a line, written as one space once the line goes on.</summary>
    private bool _heldWhitespace;

    /// <summary>A CR whose LF may be in the next write.</summary>
    private bool _heldCr;

    /// <summary>Anything but line breaks (and, relaxed, whitespace) has been written.</summary>
    private bool _hasContent;

    public IBufferWriter<byte> Output => output;

    public void Write(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (_heldCr)
            {
                _heldCr = false;
                if (b == (byte)'\n')
                {
                    // Relaxed: whitespace at the end of a line goes.
                    _heldWhitespace = false;
                    _heldLineBreaks++;
                    continue;
                }
                Content((byte)'\r');
            }

            if (b == (byte)'\r')
                _heldCr = true;
            else if (_relaxed && b is (byte)' ' or (byte)'\t')
                _heldWhitespace = true;
            else
                Content(b);
        }
    }

    /// <summary>The end of the body: one line break after the last line (none for an empty body, relaxed; simple's empty body is one CRLF).</summary>
    public void Complete()
    {
        if (_heldCr)
        {
            _heldCr = false;
            Content((byte)'\r');
        }
        _heldWhitespace = false;
        if (_hasContent || !_relaxed)
            output.Write(Crlf);
        _heldLineBreaks = 0;
    }

    /// <summary>
    /// The canonical form of <paramref name="lines"/>, a piece of a body that starts at the beginning of a line and ends at the
    /// beginning of one (empty, or ending with CRLF), and is not the body's end: so its line breaks are all written.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="lines"/> does not end at the beginning of a line.</exception>
    public static byte[] CanonicalizeLines(ReadOnlySpan<byte> lines, DkimCanonicalizationAlgorithm algorithm)
    {
        if (!lines.IsEmpty && !lines.EndsWith(Crlf))
            throw new ArgumentException("A piece canonicalised on its own must end with a line break.", nameof(lines));
        var buffer = new ArrayBufferWriter<byte>(Math.Max(lines.Length, 16));
        var canonicalizer = new DkimBodyCanonicalizer(algorithm, buffer);
        canonicalizer.Write(lines);
        for (var i = 0; i < canonicalizer._heldLineBreaks; i++)
            buffer.Write(Crlf);
        return buffer.WrittenSpan.ToArray();
    }

    private void Content(byte b)
    {
        for (; _heldLineBreaks > 0; _heldLineBreaks--)
            output.Write(Crlf);
        if (_heldWhitespace)
        {
            _heldWhitespace = false;
            output.Write(" "u8);
        }
        output.Write([b]);
        _hasContent = true;
    }
}

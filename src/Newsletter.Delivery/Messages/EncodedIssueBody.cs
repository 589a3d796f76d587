using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using Newsletter.Delivery.Signing;
using Newsletter.Rendering;

namespace Newsletter.Delivery.Messages;

/// <summary>
/// The body of an issue's messages, encoded once: a multipart/alternative of the plain text then the HTML, both UTF-8
/// quoted-printable, with everything that is the same for every subscriber already in bytes. Per subscriber only the
/// slot values (the greeting name and the unsubscribe URL) are encoded and spliced in, by <see cref="Personalise"/>.
/// Building and serialising a whole MimeKit body per message was most of the CPU a message cost. The DKIM body hash is made
/// the same way (<see cref="DkimBodyHash"/>): the shared pieces are canonicalised once, and the hash of everything before the
/// first slot is computed once and copied per message. Immutable and thread-safe.
/// </summary>
public sealed class EncodedIssueBody
{
    private readonly EncodedPart _text;
    private readonly EncodedPart _html;
    private readonly string _boundary;
    private readonly Lazy<DkimBodyHash> _relaxedHash;
    private readonly Lazy<DkimBodyHash> _simpleHash;

    /// <summary>Encodes the bodies of an issue rendered for one list (the footer names the list).</summary>
    public EncodedIssueBody(RenderedIssue rendered)
        : this(rendered?.Issue.Number ?? throw new ArgumentNullException(nameof(rendered)), rendered.Subject, rendered.Html, rendered.Text)
    {
    }

    public EncodedIssueBody(int issueNumber, string subject, SlottedText html, SlottedText text)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(text);
        IssueNumber = issueNumber;
        Subject = subject;
        // Quoted-printable never writes a literal '=' (it is =3D), so no encoded line can start with "--=_"; nothing in the
        // content can be mistaken for this boundary.
        _boundary = "=_" + Guid.NewGuid().ToString("N");
        _text = new EncodedPart(_boundary, "plain", text, isLast: false);
        _html = new EncodedPart(_boundary, "html", html, isLast: true);
        _relaxedHash = new(() => new DkimBodyHash(this, DkimCanonicalizationAlgorithm.Relaxed));
        _simpleHash = new(() => new DkimBodyHash(this, DkimCanonicalizationAlgorithm.Simple));
    }

    public int IssueNumber { get; }

    public string Subject { get; }

    /// <summary>The body of one subscriber's message: the shared bytes with their name and unsubscribe URL spliced in.</summary>
    /// <exception cref="ArgumentException"><paramref name="unsubscribeUrl"/> is null, empty or whitespace.</exception>
    public MimeEntity Personalise(string? subscriberName, string unsubscribeUrl) =>
        new PersonalisedBody(this, SlotValues.ForText(subscriberName, unsubscribeUrl), SlotValues.ForHtml(subscriberName, unsubscribeUrl));

    /// <summary>The parts in the order they are written: the text alternative, then the HTML one.</summary>
    private EncodedPart[] Parts => [_text, _html];

    /// <summary>One alternative, as bytes per line-break style: its delimiter and headers, then literal, slot, literal….</summary>
    private sealed class EncodedPart
    {
        private readonly byte[][] _crlf;   // [0] delimiter and headers, [1 + i] literal i (encoded)
        private readonly byte[][] _lf;

        public EncodedPart(string boundary, string subtype, SlottedText text, bool isLast)
        {
            Slots = text.Slots;
            _crlf = Encode(boundary, subtype, text, isLast, "\r\n"u8);
            _lf = Encode(boundary, subtype, text, isLast, "\n"u8);
        }

        public IReadOnlyList<PersonalSlot> Slots { get; }

        /// <summary>The pieces for <paramref name="newline"/>: <c>[0]</c> the part's head, <c>[1 + i]</c> the literal after slot <c>i - 1</c>; the last literal of the last part closes the multipart.</summary>
        public byte[][] Pieces(NewLineFormat newline) => newline == NewLineFormat.Dos ? _crlf : _lf;

        private static byte[][] Encode(string boundary, string subtype, SlottedText text, bool isLast, ReadOnlySpan<byte> newline)
        {
            var nl = Encoding.ASCII.GetString(newline);
            var pieces = new byte[text.Literals.Count + 1][];
            // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1), so each part but the first
            // starts with one.
            pieces[0] = Encoding.ASCII.GetBytes(
                $"{(isLast ? nl : "")}--{boundary}{nl}Content-Type: text/{subtype}; charset=utf-8{nl}Content-Transfer-Encoding: quoted-printable{nl}{nl}");
            for (var i = 0; i < text.Literals.Count; i++)
            {
                var buffer = new ArrayBufferWriter<byte>();
                QuotedPrintable.Encode(text.Literals[i], newline, buffer);
                if (isLast && i == text.Literals.Count - 1)
                    buffer.Write(Encoding.ASCII.GetBytes($"{nl}--{boundary}--{nl}"));
                pieces[i + 1] = buffer.WrittenSpan.ToArray();
            }
            return pieces;
        }
    }

    /// <summary>The MIME body of one message. MimeKit writes the message headers and calls this for the rest.</summary>
    private sealed class PersonalisedBody : MimeEntity, IDkimHashableBody
    {
        private static readonly byte[] CrlfBytes = "\r\n"u8.ToArray();
        private static readonly byte[] LfBytes = "\n"u8.ToArray();

        private readonly EncodedIssueBody _body;
        private readonly SlotValues[] _values; // per part, as Parts
        private byte[][][]? _crlfSlots;      // [part][slot], encoded once: for the wire and for the DKIM body hash

        public PersonalisedBody(EncodedIssueBody body, SlotValues text, SlotValues html)
            : base(new ContentType("multipart", "alternative") { Boundary = body._boundary })
        {
            _body = body;
            _values = [text, html];
        }

        // Already 7-bit with short lines: nothing for a transport or a DKIM signer to re-encode.
        public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
        {
        }

        public byte[] DkimBodyHash(DkimCanonicalizationAlgorithm algorithm) =>
            (algorithm == DkimCanonicalizationAlgorithm.Relaxed ? _body._relaxedHash : _body._simpleHash).Value.For(CrlfSlots());

        public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
        {
            base.WriteTo(options, stream, contentOnly, cancellationToken);
            foreach (var piece in Pieces(options.NewLineFormat))
                stream.Write(piece);
        }

        public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
        {
            await base.WriteToAsync(options, stream, contentOnly, cancellationToken).ConfigureAwait(false);
            foreach (var piece in Pieces(options.NewLineFormat))
                await stream.WriteAsync(piece, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The content in order: the shared pieces, with this subscriber's slot values encoded between them.</summary>
        private IEnumerable<byte[]> Pieces(NewLineFormat format)
        {
            var slots = format == NewLineFormat.Dos ? CrlfSlots() : EncodeSlots(LfBytes);
            var parts = _body.Parts;
            for (var p = 0; p < parts.Length; p++)
            {
                var pieces = parts[p].Pieces(format);
                yield return pieces[0];
                for (var i = 0; i < parts[p].Slots.Count; i++)
                {
                    yield return pieces[i + 1];
                    yield return slots[p][i];
                }
                yield return pieces[^1];
            }
        }

        private byte[][][] CrlfSlots() => _crlfSlots ??= EncodeSlots(CrlfBytes);

        private byte[][][] EncodeSlots(byte[] newline)
        {
            var parts = _body.Parts;
            var encoded = new byte[parts.Length][][];
            for (var p = 0; p < parts.Length; p++)
            {
                encoded[p] = new byte[parts[p].Slots.Count][];
                for (var i = 0; i < encoded[p].Length; i++)
                {
                    var slot = new ArrayBufferWriter<byte>(128);
                    QuotedPrintable.Encode(_values[p][parts[p].Slots[i]], newline, slot);
                    encoded[p][i] = slot.WrittenSpan.ToArray();
                }
            }
            return encoded;
        }
    }

    /// <summary>
    /// The DKIM body hash of this issue's messages under one canonicalisation: the shared pieces canonicalised once, the hash
    /// state after the leading shared pieces (up to the first slot) computed once, and per message only a copy of that state
    /// fed the rest. Every piece starts and ends at the beginning of a line, and the body ends with the closing delimiter's
    /// line, so the canonical pieces join into the canonical body (see <see cref="DkimBodyCanonicalizer"/>).
    /// </summary>
    private sealed class DkimBodyHash
    {
        private readonly DkimCanonicalizationAlgorithm _algorithm;
        private readonly IncrementalHash _prefix = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly List<(byte[]? Canonical, int Part, int Slot)> _rest = [];

        public DkimBodyHash(EncodedIssueBody body, DkimCanonicalizationAlgorithm algorithm)
        {
            _algorithm = algorithm;
            var parts = body.Parts;
            for (var p = 0; p < parts.Length; p++)
            {
                var pieces = parts[p].Pieces(NewLineFormat.Dos);
                Shared(pieces[0]);
                for (var i = 0; i < parts[p].Slots.Count; i++)
                {
                    Shared(pieces[i + 1]);
                    _rest.Add((null, p, i));
                }
                Shared(pieces[^1]);
            }
        }

        /// <summary>The hash for one message, whose slot values (CRLF, encoded) are <paramref name="slots"/>[part][slot].</summary>
        public byte[] For(byte[][][] slots)
        {
            IncrementalHash hash;
            lock (_prefix)
                hash = _prefix.Clone();
            using (hash)
            {
                foreach (var (canonical, part, slot) in _rest)
                    hash.AppendData(canonical ?? DkimBodyCanonicalizer.CanonicalizeLines(slots[part][slot], _algorithm));
                return hash.GetHashAndReset();
            }
        }

        /// <summary>A piece every message has: into the common prefix while no slot has come yet, otherwise kept for each message.</summary>
        private void Shared(byte[] piece)
        {
            var canonical = DkimBodyCanonicalizer.CanonicalizeLines(piece, _algorithm);
            if (_rest.Count == 0)
                _prefix.AppendData(canonical);
            else if (_rest[^1].Canonical is { } previous)
                _rest[^1] = ([.. previous, .. canonical], 0, 0);
            else
                _rest.Add((canonical, 0, 0));
        }
    }
}

using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;

namespace Newsletter.Delivery.Signing;

/// <summary>
/// DKIM-signs finished messages (RFC 6376, rsa-sha256, relaxed/relaxed unless told otherwise). The key is read once, in the
/// constructor. Thread-safe: one instance signs for every worker.
/// </summary>
/// <remarks>
/// A signature should cost about one RSA signature. MimeKit's <see cref="DkimSigner"/> cost about four: it writes the whole body
/// again through its canonicalisation filters into BouncyCastle's managed SHA-256, per message. Here the body hash comes from
/// the body itself when it can give it (<see cref="IDkimHashableBody"/>: the shared pieces are canonicalised and hashed
/// once per issue, and .NET's SHA-256 hashes the rest), the header hash is .NET's SHA-256 over the canonicalised signed headers,
/// and .NET's RSA signs. Any other body (a confirmation mail) is written once into <see cref="DkimBodyCanonicalizer"/>.
/// MimeKit's <see cref="DkimVerifier"/> checks the result in the tests, for both canonicalisations.
/// </remarks>
public sealed class DkimMessageSigner : IDisposable
{
    /// <summary>
    /// The headers the signature covers. List-Unsubscribe and List-Unsubscribe-Post must be signed for one-click
    /// unsubscribe to count (RFC 8058 section 4); Feedback-ID must be signed for Gmail's feedback loop to use it.
    /// A listed header the message lacks (Reply-To when none is configured) is signed as absent, so no relay can add one.
    /// </summary>
    public static readonly IReadOnlyList<string> SignedHeaders =
    [
        "From", "To", "Subject", "Date", "Message-ID", "Reply-To", "List-Id",
        "List-Unsubscribe", "List-Unsubscribe-Post", "Feedback-ID", "MIME-Version", "Content-Type",
    ];

    private static readonly FormatOptions WireFormat = CreateWireFormat();

    private readonly ThreadLocal<RSA> _rsa;
    private readonly DkimCanonicalizationAlgorithm _headerCanonicalization;
    private readonly DkimCanonicalizationAlgorithm _bodyCanonicalization;
    private readonly string _fixedTags;

    /// <param name="contentRoot">Base folder for a relative <see cref="DkimOptions.PrivateKeyPath"/>.</param>
    /// <param name="headerCanonicalization">How headers are canonicalised (c=); relaxed survives relays that refold headers.</param>
    /// <param name="bodyCanonicalization">How the body is canonicalised (c=); relaxed survives relays that strip trailing spaces.</param>
    /// <exception cref="ArgumentException">Domain or selector is missing, or the key file is missing or not an RSA private key (the message names the key and the fix).</exception>
    public DkimMessageSigner(DkimOptions options, string contentRoot,
        DkimCanonicalizationAlgorithm headerCanonicalization = DkimCanonicalizationAlgorithm.Relaxed,
        DkimCanonicalizationAlgorithm bodyCanonicalization = DkimCanonicalizationAlgorithm.Relaxed)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(contentRoot);
        if (string.IsNullOrWhiteSpace(options.Domain) || string.IsNullOrWhiteSpace(options.Selector))
            throw new ArgumentException($"{DkimOptions.SectionName}:Domain and {DkimOptions.SectionName}:Selector are required to sign messages.", nameof(options));

        var path = DkimKey.ResolvePath(options, contentRoot);
        if (!DkimKey.TryLoad(path, out var first, out var pem, out var error))
            throw new ArgumentException(error, nameof(options));

        Domain = options.Domain.Trim().ToLowerInvariant();
        Selector = options.Selector.Trim();
        _headerCanonicalization = headerCanonicalization;
        _bodyCanonicalization = bodyCanonicalization;
        _fixedTags = $" v=1; a=rsa-sha256; c={Name(headerCanonicalization)}/{Name(bodyCanonicalization)}; d={Domain}; s={Selector};";

        // Concurrent use of one RSA instance is not documented as safe; a key per thread is cheap insurance.
        var handedOut = 0;
        _rsa = new ThreadLocal<RSA>(() =>
        {
            if (Interlocked.Exchange(ref handedOut, 1) == 0)
                return first!;
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return rsa;
        }, trackAllValues: true);
    }

    /// <summary>The signing domain (<c>d=</c>).</summary>
    public string Domain { get; }

    /// <summary>The selector (<c>s=</c>).</summary>
    public string Selector { get; }

    /// <summary>
    /// Adds a DKIM-Signature header at the top. Call it last: a header added or a body changed afterwards breaks the signature.
    /// The message is first prepared for 7-bit transport, so no relay has to re-encode (and so invalidate) it.
    /// </summary>
    public void Sign(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        // MimeKit writes MIME-Version on output even when the header is not in the collection; signed as absent
        // and then written, it would fail verification. Make it a real header before signing.
        if (!message.Headers.Contains(HeaderId.MimeVersion))
            message.MimeVersion = new Version(1, 0);
        message.Prepare(EncodingConstraint.SevenBit);

        var bodyHash = message.Body is IDkimHashableBody hashable ? hashable.DkimBodyHash(_bodyCanonicalization) : HashWrittenBody(message.Body);
        // Folded so no line passes 78 characters but h= (a few more, on its own line); relaxed and simple verifiers alike
        // read the value with its folding, and the b= value is hashed empty.
        var unsigned = $"{_fixedTags} t={DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)};\r\n" +
                       $"\th={string.Join(':', SignedHeaders).ToLowerInvariant()};\r\n\tbh={Convert.ToBase64String(bodyHash)};\r\n\tb=";

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var canonical = new ArrayBufferWriter<byte>(2048);
        WriteSignedHeaders(message, canonical);
        // The signature's own header last, without its line break (RFC 6376 §3.7).
        WriteHeader(canonical, "DKIM-Signature"u8, Encoding.ASCII.GetBytes(unsigned), _headerCanonicalization, isSignature: true);
        hash.AppendData(canonical.WrittenSpan);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        var signature = Convert.ToBase64String(_rsa.Value!.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        var header = new Header(HeaderId.DkimSignature, "");
        header.SetRawValue(Encoding.ASCII.GetBytes(unsigned + string.Join("\r\n\t", signature.Chunk(72).Select(c => new string(c))) + "\r\n"));
        message.Headers.Insert(0, header);
    }

    public void Dispose()
    {
        foreach (var rsa in _rsa.Values)
            rsa.Dispose();
        _rsa.Dispose();
    }

    /// <summary>The signed headers in h= order, each the physically last instance not yet signed (RFC 6376 §5.4.2); an absent one adds nothing.</summary>
    private void WriteSignedHeaders(MimeMessage message, ArrayBufferWriter<byte> output)
    {
        Dictionary<string, int>? signedBefore = null;
        foreach (var name in SignedHeaders)
        {
            // MimeKit keeps the body's own headers (Content-Type…) with the body and writes them after the message's.
            var headers = name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) ? message.Body?.Headers : message.Headers;
            if (headers is null)
                continue;
            var skip = signedBefore?.GetValueOrDefault(name) ?? 0;
            for (var i = headers.Count - 1; i >= 0; i--)
            {
                if (!headers[i].Field.Equals(name, StringComparison.OrdinalIgnoreCase) || skip-- > 0)
                    continue;
                WriteHeader(output, headers[i].RawField, headers[i].RawValue, _headerCanonicalization, isSignature: false);
                signedBefore ??= new(StringComparer.OrdinalIgnoreCase);
                signedBefore[name] = signedBefore.GetValueOrDefault(name) + 1;
                break;
            }
        }
    }

    /// <summary>
    /// One header canonicalised (RFC 6376 §3.4.1 simple: as written, with CRLF line breaks; §3.4.2 relaxed: name in lower case,
    /// unfolded, whitespace runs as one space, none at either end of the value). The signature's own header has no final CRLF.
    /// </summary>
    private static void WriteHeader(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> field, ReadOnlySpan<byte> rawValue,
        DkimCanonicalizationAlgorithm algorithm, bool isSignature)
    {
        if (algorithm == DkimCanonicalizationAlgorithm.Simple)
        {
            output.Write(field);
            output.Write(":"u8);
            // MimeKit keeps raw values with the platform's line breaks and converts them as it writes; the wire has CRLF.
            for (var i = 0; i < rawValue.Length; i++)
            {
                if (rawValue[i] == (byte)'\n' && (i == 0 || rawValue[i - 1] != (byte)'\r'))
                    output.Write("\r"u8);
                output.Write(rawValue.Slice(i, 1));
            }
            return; // the signature's value given here stops at "b=", without a line break

        }

        foreach (var c in field)
            output.Write([(byte)char.ToLowerInvariant((char)c)]);
        output.Write(":"u8);
        var pendingSpace = false;
        var started = false;
        foreach (var b in rawValue)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                pendingSpace = started;
                continue;
            }
            if (pendingSpace)
                output.Write(" "u8);
            pendingSpace = false;
            started = true;
            output.Write([b]);
        }
        if (!isSignature)
            output.Write("\r\n"u8);
    }

    /// <summary>The body hash of a body that cannot give its own: written once, as on the wire, through the canonicaliser.</summary>
    private byte[] HashWrittenBody(MimeEntity? body)
    {
        var canonical = new ArrayBufferWriter<byte>(4096);
        var canonicalizer = new DkimBodyCanonicalizer(_bodyCanonicalization, canonical);
        if (body is not null)
        {
            using var stream = new CanonicalizingStream(canonicalizer);
            body.WriteTo(WireFormat, stream, contentOnly: true);
        }
        canonicalizer.Complete();
        return SHA256.HashData(canonical.WrittenSpan);
    }

    private static string Name(DkimCanonicalizationAlgorithm algorithm) =>
        algorithm == DkimCanonicalizationAlgorithm.Simple ? "simple" : "relaxed";

    private static FormatOptions CreateWireFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = true;
        return format;
    }

    /// <summary>The body as MimeKit writes it, straight into the canonicaliser.</summary>
    private sealed class CanonicalizingStream(DkimBodyCanonicalizer canonicalizer) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => canonicalizer.Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer) => canonicalizer.Write(buffer);

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

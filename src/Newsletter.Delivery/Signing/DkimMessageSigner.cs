using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Newsletter.Delivery.Signing;

/// <summary>
/// DKIM-signs finished messages (RFC 6376, rsa-sha256, relaxed/relaxed) with MimeKit's <see cref="DkimSigner"/>.
/// The key is read once, in the constructor. Thread-safe: one instance signs for every worker.
/// </summary>
/// <remarks>
/// MimeKit signs with BouncyCastle's RSA, about 100 signatures a second on one core of the 2-core machine this was
/// measured on; .NET's RSA (OpenSSL) does about 700. At thousands of messages a second that is the difference between
/// signing being the bottleneck or not, so the RSA step is handed to .NET (<see cref="SystemRsaDkimSigner"/>); MimeKit
/// still canonicalises, hashes the body and writes the header.
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

    private readonly SystemRsaDkimSigner _signer;
    private readonly string[] _headers = [.. SignedHeaders];

    /// <param name="contentRoot">Base folder for a relative <see cref="DkimOptions.PrivateKeyPath"/>.</param>
    /// <exception cref="ArgumentException">Domain or selector is missing, or the key file is missing or not an RSA private key (the message names the key and the fix).</exception>
    public DkimMessageSigner(DkimOptions options, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(contentRoot);
        if (string.IsNullOrWhiteSpace(options.Domain) || string.IsNullOrWhiteSpace(options.Selector))
            throw new ArgumentException($"{DkimOptions.SectionName}:Domain and {DkimOptions.SectionName}:Selector are required to sign messages.", nameof(options));

        var path = DkimKey.ResolvePath(options, contentRoot);
        if (!DkimKey.TryLoad(path, out var rsa, out var pem, out var error))
            throw new ArgumentException(error, nameof(options));

        Domain = options.Domain.Trim().ToLowerInvariant();
        Selector = options.Selector.Trim();
        _signer = new SystemRsaDkimSigner(pem, rsa!, Domain, Selector)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
    }

    /// <summary>The signing domain (<c>d=</c>).</summary>
    public string Domain { get; }

    /// <summary>The selector (<c>s=</c>).</summary>
    public string Selector { get; }

    /// <summary>
    /// Adds a DKIM-Signature header. Call it last: a header added or a body changed afterwards breaks the signature.
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
        _signer.Sign(message, _headers);
    }

    public void Dispose() => _signer.Dispose();

    /// <summary>A <see cref="DkimSigner"/> whose RSA signature is made by .NET rather than BouncyCastle.</summary>
    private sealed class SystemRsaDkimSigner : DkimSigner, IDisposable
    {
        private readonly ThreadLocal<RSA> _rsa;

        public SystemRsaDkimSigner(string pem, RSA first, string domain, string selector)
            : base(new MemoryStream(Encoding.ASCII.GetBytes(pem)), domain, selector, DkimSignatureAlgorithm.RsaSha256)
        {
            // Concurrent use of one RSA instance is not documented as safe; a key per thread is cheap insurance.
            var handedOut = 0;
            _rsa = new ThreadLocal<RSA>(() =>
            {
                if (Interlocked.Exchange(ref handedOut, 1) == 0)
                    return first;
                var rsa = RSA.Create();
                rsa.ImportFromPem(pem);
                return rsa;
            }, trackAllValues: true);
        }

        protected override ISigner CreateSigningContext() => new RsaSha256(_rsa.Value!);

        public void Dispose()
        {
            foreach (var rsa in _rsa.Values)
                rsa.Dispose();
            _rsa.Dispose();
        }
    }

    /// <summary>SHA-256 with RSA PKCS#1 v1.5 (DKIM's rsa-sha256), signing only.</summary>
    private sealed class RsaSha256(RSA rsa) : ISigner
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public string AlgorithmName => "SHA-256withRSA";

        public void Init(bool forSigning, ICipherParameters parameters)
        {
            if (!forSigning)
                throw new NotSupportedException("This signer only signs; MimeKit's DkimVerifier verifies.");
        }

        public void Update(byte input) => _hash.AppendData([input]);

        public void BlockUpdate(byte[] input, int inOff, int inLen) => _hash.AppendData(input, inOff, inLen);

        public void BlockUpdate(ReadOnlySpan<byte> input) => _hash.AppendData(input);

        public int GetMaxSignatureSize() => (rsa.KeySize + 7) / 8;

        public byte[] GenerateSignature()
        {
            Span<byte> digest = stackalloc byte[32];
            _hash.GetHashAndReset(digest);
            return rsa.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }

        public bool VerifySignature(byte[] signature) =>
            throw new NotSupportedException("This signer only signs; MimeKit's DkimVerifier verifies.");

        public void Reset() => _hash.GetHashAndReset();
    }
}

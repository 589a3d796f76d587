using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Unsubscribe;

namespace Newsletter.Delivery.Clicks;

/// <summary>
/// The URL of a tracked link, <c>{PublicBaseUrl}/r/{issue}/{link}/{signature}</c>, and its check. The signature is the first
/// <see cref="SignatureBytes"/> bytes of HMAC-SHA256 over "issue/link" with a key derived from the unsubscribe secret: it names
/// the issue and the link and nothing else, so every reader's copy of a link is the same URL. It only keeps people from
/// counting clicks on links that were never mailed; where the redirect goes is read from the store. Thread-safe.
/// </summary>
public sealed class ClickLinks
{
    /// <summary>The path the redirect is served under.</summary>
    public const string PathPrefix = "/r";

    private const int SignatureBytes = 6;

    private readonly byte[] _key;
    private readonly string _base;

    public ClickLinks(IOptions<SenderOptions> sender, UnsubscribeTokens tokens)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(tokens);
        _key = tokens.DeriveKey("click-links");
        _base = sender.Value.PublicBaseUrl.TrimEnd('/') + PathPrefix + "/";
    }

    /// <summary>The tracked URL of link <paramref name="linkId"/> of issue <paramref name="issueNumber"/>.</summary>
    public Uri UrlOf(int issueNumber, int linkId) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{_base}{issueNumber}/{linkId}/{Sign(issueNumber, linkId)}"));

    /// <summary>Whether <paramref name="signature"/> is the one <see cref="UrlOf"/> writes for this issue and link. Never throws.</summary>
    public bool IsSigned(int issueNumber, int linkId, string? signature)
    {
        if (signature is null) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(issueNumber, linkId));
        var given = Encoding.UTF8.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private string Sign(int issueNumber, int linkId)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{issueNumber}/{linkId}")), mac);
        return Base64Url.EncodeToString(mac[..SignatureBytes]);
    }
}

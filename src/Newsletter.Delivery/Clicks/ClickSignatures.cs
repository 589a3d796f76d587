using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Newsletter.Delivery.Unsubscribe;

namespace Newsletter.Delivery.Clicks;

/// <summary>
/// The signature of a tracked link (<see cref="Messages.PublicUrls.TrackedLink"/>): the first <see cref="SignatureBytes"/> bytes
/// of HMAC-SHA256 over "issue/link", with a key derived from the unsubscribe secret (so every machine that shares that secret
/// agrees). It covers the issue and the link and nothing else, so every reader's copy of a link is the same URL. It only keeps
/// anyone from counting clicks on links that were never mailed; where the redirect goes is read from the store. Thread-safe.
/// </summary>
public sealed class ClickSignatures(UnsubscribeTokens tokens)
{
    private const int SignatureBytes = 6;

    private readonly byte[] _key = tokens.DeriveKey("click-links");

    /// <summary>The signature of link <paramref name="linkId"/> of issue <paramref name="issueNumber"/> (8 URL-safe characters).</summary>
    public string Sign(int issueNumber, int linkId)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{issueNumber}/{linkId}")), mac);
        return Base64Url.EncodeToString(mac[..SignatureBytes]);
    }

    /// <summary>Whether <paramref name="signature"/> is the one <see cref="Sign"/> gives for this issue and link. Never throws.</summary>
    public bool IsValid(int issueNumber, int linkId, string? signature) =>
        signature is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(issueNumber, linkId)), Encoding.UTF8.GetBytes(signature));
}

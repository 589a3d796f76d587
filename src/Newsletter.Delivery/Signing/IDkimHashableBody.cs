using MimeKit.Cryptography;

namespace Newsletter.Delivery.Signing;

/// <summary>
/// A message body that knows its own DKIM body hash (the <c>bh=</c> tag) without being written out and canonicalised byte by
/// byte: <see cref="Messages.EncodedIssueBody"/>'s bodies, whose shared pieces are canonicalised and hashed once per issue.
/// </summary>
internal interface IDkimHashableBody
{
    /// <summary>SHA-256 of the body's canonical form (RFC 6376 §3.4.3, §3.4.4) as it is written with CRLF line breaks.</summary>
    byte[] DkimBodyHash(DkimCanonicalizationAlgorithm algorithm);
}

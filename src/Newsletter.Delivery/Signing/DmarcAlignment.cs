namespace Newsletter.Delivery.Signing;

/// <summary>DMARC's relaxed identifier alignment (RFC 7489 section 3.1): two domains align when their organizational domains are equal.</summary>
/// <remarks>
/// The organizational domain comes from the Public Suffix List, which this program does not carry. The approximation: the
/// organizational domain is the last two labels, or the last three when the second-to-last is a short label under a
/// two-letter country code (co.uk, com.au, …). It errs towards saying "not aligned", which costs a needless warning, never a
/// missed one.
/// </remarks>
public static class DmarcAlignment
{
    /// <summary>Whether <paramref name="signingDomain"/> (DKIM d=) aligns with <paramref name="fromDomain"/> under relaxed alignment.</summary>
    public static bool IsRelaxedAligned(string signingDomain, string fromDomain) =>
        string.Equals(OrganizationalDomain(signingDomain), OrganizationalDomain(fromDomain), StringComparison.OrdinalIgnoreCase);

    /// <summary>The approximate organizational domain, e.g. <c>example.com</c> for <c>news.example.com</c>.</summary>
    public static string OrganizationalDomain(string domain)
    {
        var labels = domain.Trim().TrimEnd('.').ToLowerInvariant().Split('.');
        var take = labels.Length >= 3 && labels[^1].Length == 2 && labels[^2].Length <= 3 ? 3 : 2;
        return string.Join('.', labels.TakeLast(Math.Min(take, labels.Length)));
    }
}

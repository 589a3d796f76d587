namespace Newsletter.Delivery.Tls;

/// <summary>What to do when a server certificate's revocation status cannot be learned.</summary>
/// <remarks>
/// A certificate that its CA's CRL or OCSP responder says is revoked is refused under either setting. The two differ only
/// where no answer exists: a private CA that publishes no CRL (most of them), or a CRL that cannot be reached.
/// </remarks>
public enum CertificateRevocation
{
    /// <summary>
    /// The default, as browsers do: check revocation where the certificate names a CRL or OCSP responder, refuse a revoked
    /// certificate, and accept one whose status cannot be learned (none published, or none reachable).
    /// </summary>
    SoftFail,

    /// <summary>Refuse any certificate whose revocation status cannot be confirmed, including one whose CA publishes no CRL.</summary>
    Strict,
}

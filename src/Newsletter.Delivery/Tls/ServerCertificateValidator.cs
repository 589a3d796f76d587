using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Newsletter.Delivery.Tls;

/// <summary>
/// Decides whether a mail server's TLS certificate is acceptable, and when it is not, says why and what to change.
/// One instance per connection attempt: it keeps the reason of its last refusal in <see cref="Problem"/>.
/// </summary>
/// <remarks>
/// Trust is this machine's CA store, plus the CAs of the optional trusted-CA file (for a private relay); nothing else, and
/// there is deliberately no "accept any certificate". Revocation follows <see cref="CertificateRevocation"/>: MailKit's own
/// check (on by default) refuses every certificate whose CA publishes no CRL ("unable to get certificate CRL"), so MailKit's
/// check is turned off and this class checks revocation itself, online, with a bounded wait.
/// </remarks>
public sealed class ServerCertificateValidator
{
    private const X509ChainStatusFlags TrustFlags = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain;
    private const X509ChainStatusFlags UnknownRevocationFlags = X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation;

    private readonly string _server;
    private readonly string _settings;
    private readonly X509Certificate2Collection _trustedCas;
    private readonly CertificateRevocation _revocation;
    private readonly TimeSpan _revocationTimeout;

    /// <param name="server">The server as configured, e.g. <c>smtp.example.com:587</c>, for messages.</param>
    /// <param name="settings">The settings section, e.g. <c>Newsletter:Delivery:Smtp</c>, for the fixes the messages suggest.</param>
    /// <param name="trustedCas">CAs trusted in addition to the machine's store (from the trusted-CA file); may be empty.</param>
    /// <param name="revocationTimeout">How long to wait for a CRL or OCSP answer.</param>
    public ServerCertificateValidator(string server, string settings, X509Certificate2Collection trustedCas, CertificateRevocation revocation, TimeSpan revocationTimeout)
    {
        _server = server;
        _settings = settings;
        _trustedCas = trustedCas;
        _revocation = revocation;
        _revocationTimeout = revocationTimeout;
    }

    /// <summary>Why the last certificate was refused, with the fix; null when none was.</summary>
    public string? Problem { get; private set; }

    /// <summary>
    /// Set when a certificate was accepted although its revocation status is unknown (<see cref="CertificateRevocation.SoftFail"/>):
    /// what could not be checked, for a log line or <c>newsletter check</c>.
    /// </summary>
    public string? RevocationNote { get; private set; }

    /// <summary>The subject and issuer of the last certificate seen, for messages.</summary>
    public string? CertificateSummary { get; private set; }

    /// <summary>A <see cref="RemoteCertificateValidationCallback"/>.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        Problem = null;
        RevocationNote = null;
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return Refuse($"{_server} sent no TLS certificate. Check that {_settings}:Host and :Port name the mail server itself.");
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        CertificateSummary = $"'{leaf.Subject}' issued by '{leaf.Issuer}', valid until {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd}";

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            var names = leaf.GetNameInfo(X509NameType.DnsName, forIssuer: false);
            return Refuse($"the TLS certificate of {_server} ({CertificateSummary}) is not issued for the host name {_settings}:Host names " +
                          $"(it names {names}). Set {_settings}:Host to a name the certificate carries (usually the relay's public host name, not an IP address).");
        }

        var intermediates = new X509Certificate2Collection();
        if (presented is not null)
        {
            intermediates.AddRange(presented.ChainPolicy.ExtraStore);
            foreach (var element in presented.ChainElements.Skip(1))
            {
                intermediates.Add(element.Certificate);
            }
        }

        // The machine's store first; the private CA file only when the machine does not know the issuer.
        using var chain = Build(leaf, intermediates, customRoots: null);
        var flags = Flags(chain);
        X509Chain? custom = null;
        try
        {
            if ((flags & TrustFlags) != 0 && _trustedCas.Count > 0)
            {
                custom = Build(leaf, intermediates, _trustedCas);
                flags = Flags(custom);
            }
            return Decide(flags, custom ?? chain);
        }
        finally
        {
            custom?.Dispose();
        }
    }

    private bool Decide(X509ChainStatusFlags flags, X509Chain chain)
    {
        if (flags.HasFlag(X509ChainStatusFlags.Revoked))
        {
            return Refuse($"the TLS certificate of {_server} ({CertificateSummary}) has been revoked by its CA. The server must get a new certificate; " +
                          "until then nothing can be sent through it safely.");
        }
        if (flags.HasFlag(X509ChainStatusFlags.NotTimeValid))
        {
            return Refuse($"the TLS certificate of {_server} ({CertificateSummary}) has expired or is not valid yet. The server must renew it " +
                          "(or this machine's clock is wrong: check `date`).");
        }
        if ((flags & TrustFlags) != 0)
        {
            var fix = _trustedCas.Count > 0
                ? $"The CA file {_settings}:TrustedCaFile does not hold its issuer either: put that CA's certificate (PEM) in it."
                : $"If this is your own relay with a private CA, set {_settings}:TrustedCaFile to that CA's certificate (a PEM file); " +
                  "otherwise the server's certificate must come from a public CA (or install its CA in this machine's store with update-ca-certificates).";
            return Refuse($"the TLS certificate of {_server} ({CertificateSummary}) is not trusted by this machine: {Describe(chain, TrustFlags)}. {fix}");
        }

        var other = flags & ~UnknownRevocationFlags;
        if (other != X509ChainStatusFlags.NoError)
        {
            return Refuse($"the TLS certificate of {_server} ({CertificateSummary}) failed validation: {Describe(chain, other)}. The server's certificate must be fixed.");
        }

        if ((flags & UnknownRevocationFlags) != 0)
        {
            var what = $"its revocation status could not be checked ({Describe(chain, UnknownRevocationFlags)}): its CA publishes no CRL or OCSP " +
                       "responder this machine can reach";
            if (_revocation == CertificateRevocation.Strict)
            {
                return Refuse($"the TLS certificate of {_server} ({CertificateSummary}) is refused because {what}, and {_settings}:CertificateRevocation " +
                              "is Strict. Make the CA's CRL reachable from this machine, or set CertificateRevocation to SoftFail (the default) to accept " +
                              "certificates whose revocation status is unknown.");
            }
            RevocationNote = $"accepted although {what} ({_settings}:CertificateRevocation is SoftFail)";
        }
        return true;
    }

    private X509Chain Build(X509Certificate2 leaf, X509Certificate2Collection intermediates, X509Certificate2Collection? customRoots)
    {
        var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.RevocationMode = X509RevocationMode.Online;
        policy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        policy.UrlRetrievalTimeout = _revocationTimeout;
        policy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1")); // serverAuth
        policy.ExtraStore.AddRange(intermediates);
        if (customRoots is not null)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(customRoots);
        }
        chain.Build(leaf);
        return chain;
    }

    private static X509ChainStatusFlags Flags(X509Chain chain) =>
        chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);

    private static string Describe(X509Chain chain, X509ChainStatusFlags mask)
    {
        var texts = chain.ChainStatus.Where(s => (s.Status & mask) != 0)
            .Select(s => string.IsNullOrWhiteSpace(s.StatusInformation) ? s.Status.ToString() : s.StatusInformation.Trim().TrimEnd('.'))
            .Distinct()
            .ToList();
        return texts.Count == 0 ? mask.ToString() : string.Join("; ", texts);
    }

    private bool Refuse(string problem)
    {
        Problem = problem;
        return false;
    }
}

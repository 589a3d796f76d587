namespace Newsletter.Tests.Support;

/// <summary>
/// <see cref="DovecotServer"/> with TLS, its certificate issued by a throwaway CA (<see cref="CertificateAuthority"/>):
/// <see cref="DovecotServer.Port"/> offers STARTTLS (as port 143 does) and <see cref="SslPort"/> speaks TLS from the first
/// byte (as port 993 does). Logins are allowed before STARTTLS too, so the plain-IMAP helpers keep working.
/// </summary>
public sealed class TlsDovecotServer : DovecotServer
{
    /// <summary>The IMAPS port; valid once started.</summary>
    public int SslPort { get; private set; }

    /// <summary>The CA that issued the server's certificate; valid once started.</summary>
    public TestCertificateAuthority CertificateAuthority { get; private set; } = null!;

    protected override async Task<string> TlsSettingsAsync()
    {
        CertificateAuthority = await TestCertificateAuthority.CreateAsync(Path.Combine(Folder, "tls"), "imap");
        var (certificate, key) = await CertificateAuthority.IssueServerCertificateAsync("imap");
        SslPort = ExternalProgram.FreePort();
        return $"""
            ssl = yes
            ssl_cert = <{certificate}
            ssl_key = <{key}
            """;
    }

    protected override string ExtraListeners() => $$"""
        inet_listener imaps {
                port = {{SslPort}}
                ssl = yes
              }
        """;
}

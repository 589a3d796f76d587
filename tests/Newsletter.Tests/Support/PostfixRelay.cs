using System.Globalization;
using System.Net;

namespace Newsletter.Tests.Support;

/// <summary>
/// A private Postfix on 127.0.0.1 set up as a provider's submission relay: it accepts mail only after SASL AUTH (checked by
/// a private Dovecot's auth service, <see cref="CreateLogin"/>), offers STARTTLS with a certificate from a throwaway CA
/// (<see cref="CertificateAuthority"/>), and relays everything it accepts to an in-process <see cref="TestSmtpServer"/>
/// (<see cref="Destination"/>), which the test reads. Its own configuration, queue and log live in a temp folder; it is
/// started once per test class (class fixture) and stopped after it. Ports (all free ports on 127.0.0.1):
/// <list type="bullet">
/// <item><see cref="StartTlsPort"/>: like 587: STARTTLS offered, AUTH only after it.</item>
/// <item><see cref="SslOnConnectPort"/>: like 465: TLS from the first byte (<c>smtpd_tls_wrappermode</c>).</item>
/// <item><see cref="NoTlsPort"/>: offers no STARTTLS, and AUTH in the clear.</item>
/// <item><see cref="RevokedCertificatePort"/>: STARTTLS with a certificate that names a CRL (served by the fixture) that revokes it.</item>
/// <item><see cref="UnreachableCrlPort"/>: STARTTLS with a certificate that names a CRL nobody serves.</item>
/// </list>
/// When Postfix is not installed, starting fails with how to install it: tests never pass without it.
/// </summary>
public sealed class PostfixRelay : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "newsletter-postfix-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly DovecotServer _dovecot = new();
    private readonly HttpListener _crlServer = new();
    private string? _postfix;
    private byte[] _crl = [];
    private int _disposed;

    public string Host => "127.0.0.1";

    public int StartTlsPort { get; private set; }

    public int SslOnConnectPort { get; private set; }

    public int NoTlsPort { get; private set; }

    public int RevokedCertificatePort { get; private set; }

    public int UnreachableCrlPort { get; private set; }

    /// <summary>The CA of every certificate the relay presents; its <see cref="TestCertificateAuthority.CaFile"/> is what TrustedCaFile points at.</summary>
    public TestCertificateAuthority CertificateAuthority { get; private set; } = null!;

    /// <summary>Where the relay delivers what it accepts.</summary>
    public TestSmtpServer Destination { get; } = new();

    private string ConfigFolder => Path.Combine(_folder, "config");

    private string LogFile => Path.Combine(_folder, "postfix.log");

    /// <summary>A login of its own that the relay accepts.</summary>
    public (string User, string Password) CreateLogin() => _dovecot.CreateUser();

    /// <summary>Postfix's log so far, for a failing test's message.</summary>
    public string ReadLog() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no log)";

    /// <exception cref="InvalidOperationException">Postfix, Dovecot or openssl is missing, or Postfix did not start; the message says why.</exception>
    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed: stop what did start (Dovecot, Postfix) here.
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        _postfix = ExternalProgram.Find("postfix") ?? throw new InvalidOperationException(
            "Postfix is not installed, and the relay tests need a real SMTP relay on loopback. Install it with " +
            "`DEBIAN_FRONTEND=noninteractive apt-get install -y postfix` (as root; it starts no mail daemon; .ci/run does this), then run the tests again.");

        await _dovecot.InitializeAsync();
        await Destination.StartAsync();

        Directory.CreateDirectory(ConfigFolder);
        Directory.CreateDirectory(Path.Combine(_folder, "queue"));
        Directory.CreateDirectory(Path.Combine(_folder, "data"));
        // Postfix's daemons run as the postfix user: they must reach the folder and own their data directory.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_folder, (UnixFileMode)0b111_101_101);
        }
        var (chownExit, chownOutput) = await ExternalProgram.RunAsync(ExternalProgram.Find("chown") ?? "chown", "postfix", Path.Combine(_folder, "data"));
        if (chownExit != 0)
        {
            throw new InvalidOperationException($"Cannot give {_folder}/data to the postfix user ({chownOutput.Trim()}): the Postfix test relay must be started as root.");
        }

        var crlPort = ExternalProgram.FreePort();
        var crlUrl = $"http://127.0.0.1:{crlPort}/{Guid.NewGuid():N}/ca.crl";
        CertificateAuthority = await TestCertificateAuthority.CreateAsync(Path.Combine(_folder, "tls"), "relay");
        var (certificate, key) = await CertificateAuthority.IssueServerCertificateAsync("relay");
        var (revoked, revokedKey) = await CertificateAuthority.IssueServerCertificateAsync("revoked", crlUrl);
        var (unreachable, unreachableKey) = await CertificateAuthority.IssueServerCertificateAsync("unreachable-crl",
            $"http://127.0.0.1:{ExternalProgram.FreePort()}/nobody-serves-this.crl");
        _crl = CertificateAuthority.CreateCrl(revoked);
        _crlServer.Prefixes.Add($"http://127.0.0.1:{crlPort}/");
        _crlServer.Start();
        _ = ServeCrlAsync();

        StartTlsPort = ExternalProgram.FreePort();
        SslOnConnectPort = ExternalProgram.FreePort();
        NoTlsPort = ExternalProgram.FreePort();
        RevokedCertificatePort = ExternalProgram.FreePort();
        UnreachableCrlPort = ExternalProgram.FreePort();

        await File.WriteAllTextAsync(Path.Combine(ConfigFolder, "main.cf"), $"""
            compatibility_level = 3.6
            queue_directory = {_folder}/queue
            data_directory = {_folder}/data
            mail_owner = postfix
            setgid_group = postdrop
            maillog_file = {LogFile}
            maillog_file_prefixes = {_folder}
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            myhostname = relay.test
            mydestination =
            alias_maps =
            alias_database =
            local_recipient_maps =
            # A submission relay: only a logged-in client may send, to anyone; what it accepts goes to the test's server.
            mynetworks =
            smtpd_relay_restrictions = permit_sasl_authenticated, reject
            relayhost = [127.0.0.1]:{Destination.Port}
            smtp_tls_security_level = none
            smtpd_sasl_auth_enable = yes
            smtpd_sasl_type = dovecot
            smtpd_sasl_path = {_dovecot.AuthSocketPath}
            # Received: then says "(Authenticated sender: …)" and which TLS was used, for the tests to read.
            smtpd_sasl_authenticated_header = yes
            smtpd_tls_received_header = yes
            smtpd_tls_cert_file = {certificate}
            smtpd_tls_key_file = {key}
            smtpd_tls_security_level = may
            smtpd_tls_auth_only = yes
            smtpd_tls_loglevel = 1
            # A refused login answers at once: the wrong-password tests must not slow the others.
            smtpd_error_sleep_time = 0
            smtpd_soft_error_limit = 100
            smtpd_hard_error_limit = 100
            """);

        var cert = (string file, string keyFile) => $"-o smtpd_tls_cert_file={file} -o smtpd_tls_key_file={keyFile}";
        // chroot is off ("n") everywhere: a chrooted smtpd could not reach Dovecot's socket in the temp folder.
        await File.WriteAllTextAsync(Path.Combine(ConfigFolder, "master.cf"), $"""
            127.0.0.1:{StartTlsPort} inet n - n - - smtpd
            127.0.0.1:{SslOnConnectPort} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
            127.0.0.1:{NoTlsPort} inet n - n - - smtpd -o smtpd_tls_security_level=none -o smtpd_tls_auth_only=no
            127.0.0.1:{RevokedCertificatePort} inet n - n - - smtpd {cert(revoked, revokedKey)}
            127.0.0.1:{UnreachableCrlPort} inet n - n - - smtpd {cert(unreachable, unreachableKey)}
            pickup    unix  n - n 60 1 pickup
            cleanup   unix  n - n - 0 cleanup
            qmgr      unix  n - n 300 1 qmgr
            tlsmgr    unix  - - n 1000? 1 tlsmgr
            rewrite   unix  - - n - - trivial-rewrite
            bounce    unix  - - n - 0 bounce
            defer     unix  - - n - 0 bounce
            trace     unix  - - n - 0 bounce
            verify    unix  - - n - 1 verify
            flush     unix  n - n 1000? 0 flush
            proxymap  unix  - - n - - proxymap
            proxywrite unix - - n - 1 proxymap
            smtp      unix  - - n - - smtp
            relay     unix  - - n - - smtp
            showq     unix  n - n - - showq
            error     unix  - - n - - error
            retry     unix  - - n - - error
            discard   unix  - - n - - discard
            local     unix  - n n - - local
            anvil     unix  - - n - 1 anvil
            scache    unix  - - n - 1 scache
            postlog   unix-dgram n - n - 1 postlogd
            """);

        var (exitCode, output) = await ExternalProgram.RunAsync(_postfix, "-c", ConfigFolder, "start");
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"postfix -c {ConfigFolder} start exited with {exitCode}: {output}{Environment.NewLine}{ReadLog()}");
        }
        try
        {
            await ExternalProgram.WaitForGreetingAsync(StartTlsPort, "220 ", StartTimeout);
        }
        catch (TimeoutException e)
        {
            throw new InvalidOperationException($"{e.Message} Postfix's log:{Environment.NewLine}{ReadLog()}", e);
        }
    }

    public async Task DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (_postfix is not null && File.Exists(Path.Combine(ConfigFolder, "main.cf")))
        {
            await ExternalProgram.RunAsync(_postfix, "-c", ConfigFolder, "stop");
            // Wait for the master to go, so its files can be deleted.
            var pidFile = Path.Combine(_folder, "queue", "pid", "master.pid");
            for (var i = 0; i < 50 && File.Exists(pidFile); i++)
            {
                await Task.Delay(100);
            }
        }
        if (_crlServer.IsListening)
        {
            _crlServer.Stop();
        }
        _crlServer.Close();
        await Destination.DisposeAsync();
        await _dovecot.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A process still finishing; the OS cleans temp.
        }
    }

    /// <summary>Serves the CA's CRL, as a CA's web server would, to whatever asks.</summary>
    private async Task ServeCrlAsync()
    {
        while (_crlServer.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _crlServer.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            context.Response.ContentType = "application/pkix-crl";
            context.Response.ContentLength64 = _crl.Length;
            await context.Response.OutputStream.WriteAsync(_crl);
            context.Response.Close();
        }
    }

    /// <summary>The port as text, for settings.</summary>
    public static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}

using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Newsletter.Tests.Support;

/// <summary>
/// A throwaway CA made with openssl in a test folder, and the server certificates it issues (SAN DNS:localhost and
/// IP:127.0.0.1, like a private relay's). Nothing is installed in the machine's store: a test trusts the CA only by
/// pointing TrustedCaFile at <see cref="CaFile"/>.
/// </summary>
public sealed class TestCertificateAuthority
{
    private readonly string _folder;

    private TestCertificateAuthority(string folder)
    {
        _folder = folder;
    }

    /// <summary>The CA certificate (PEM), what a TrustedCaFile setting points at.</summary>
    public string CaFile => Path.Combine(_folder, "ca.pem");

    private string CaKeyFile => Path.Combine(_folder, "ca.key");

    /// <summary>Makes the CA in <paramref name="folder"/> (created if missing).</summary>
    /// <exception cref="InvalidOperationException">openssl is missing or failed; the message has its output.</exception>
    public static async Task<TestCertificateAuthority> CreateAsync(string folder, string name)
    {
        Directory.CreateDirectory(folder);
        var ca = new TestCertificateAuthority(folder);
        await ca.OpensslAsync("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca.CaKeyFile, "-out", ca.CaFile, "-days", "3",
            "-subj", $"/CN=Newsletter test CA {name}",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return ca;
    }

    /// <summary>Issues a server certificate for localhost and 127.0.0.1; returns the certificate and key files (PEM).</summary>
    /// <param name="crlUrl">A CRL distribution point to name in the certificate; none (like most private CAs) when null.</param>
    public async Task<(string CertificateFile, string KeyFile)> IssueServerCertificateAsync(string name, string? crlUrl = null)
    {
        var key = Path.Combine(_folder, name + ".key");
        var request = Path.Combine(_folder, name + ".csr");
        var certificate = Path.Combine(_folder, name + ".pem");
        var extensions = Path.Combine(_folder, name + ".ext");
        await File.WriteAllLinesAsync(extensions, new[]
        {
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "basicConstraints=critical,CA:FALSE",
            "keyUsage=critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage=serverAuth",
        }.Concat(crlUrl is null ? [] : [$"crlDistributionPoints=URI:{crlUrl}"]));

        await OpensslAsync("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request, "-subj", "/CN=localhost");
        await OpensslAsync("x509", "-req", "-in", request, "-CA", CaFile, "-CAkey", CaKeyFile, "-set_serial", RandomSerial(),
            "-out", certificate, "-days", "2", "-extfile", extensions);
        return (certificate, key);
    }

    /// <summary>A DER CRL signed by this CA that revokes the given certificates, as a CA would publish it.</summary>
    public byte[] CreateCrl(params string[] revokedCertificateFiles)
    {
        using var ca = X509Certificate2.CreateFromPemFile(CaFile, CaKeyFile);
        var builder = new CertificateRevocationListBuilder();
        foreach (var file in revokedCertificateFiles)
        {
            using var revoked = X509CertificateLoader.LoadCertificateFromFile(file);
            builder.AddEntry(revoked, DateTimeOffset.UtcNow.AddMinutes(-5), X509RevocationReason.KeyCompromise);
        }
        return builder.Build(ca, BigInteger.One, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    private static string RandomSerial() => "0x" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    private async Task OpensslAsync(params string[] args)
    {
        var openssl = ExternalProgram.Find("openssl") ?? throw new InvalidOperationException(
            "openssl is not installed; the TLS tests make their certificates with it. Install it with `apt-get install -y openssl`.");
        var (exitCode, output) = await ExternalProgram.RunAsync(openssl, args);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} exited with {exitCode}: {output}");
        }
    }
}

using System.Security.Cryptography;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Newsletter.Tests.Delivery;

/// <summary>An RSA-2048 key pair made once per test run, its private half as a PEM file, and a locator serving the public half.</summary>
internal static class DkimTestKey
{
    public const string Domain = "example.com";
    public const string Selector = "news2026";

    private static readonly Lazy<(string PemPath, string PublicKeyBase64)> Key = new(Create);

    /// <summary>A PKCS#8 PEM file ("BEGIN PRIVATE KEY") in the temp folder.</summary>
    public static string PrivateKeyPath => Key.Value.PemPath;

    /// <summary>The DNS TXT record a domain would publish for this key.</summary>
    public static string DnsRecord => "v=DKIM1; k=rsa; p=" + Key.Value.PublicKeyBase64;

    /// <summary>The first DKIM-Signature of <paramref name="message"/>, verified with the test key.</summary>
    public static Task<bool> VerifyAsync(MimeMessage message)
    {
        var index = message.Headers.IndexOf(HeaderId.DkimSignature);
        Assert.True(index >= 0, "the message has no DKIM-Signature header");
        return new DkimVerifier(new Locator()).VerifyAsync(message, message.Headers[index]);
    }

    private static (string, string) Create()
    {
        using var rsa = RSA.Create(2048);
        var path = Path.Combine(Path.GetTempPath(), $"newsletter-dkim-test-{Environment.ProcessId}.pem");
        File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
        return (path, Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>Answers every DNS lookup with the test key, as DNS would for {Selector}._domainkey.{Domain}.</summary>
    private sealed class Locator : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default)
        {
            Assert.Equal((Domain, Selector), (domain, selector));
            return GetPublicKey(DnsRecord);
        }

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}

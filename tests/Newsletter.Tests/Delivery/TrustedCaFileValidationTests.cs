using Newsletter.Delivery.Bounces;
using Newsletter.Delivery.Tls;
using Newsletter.Delivery.Transports;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Delivery;

/// <summary>The TrustedCaFile settings are read when the configuration is validated, so a bad file stops the start, naming the key and the file.</summary>
public sealed class TrustedCaFileValidationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static DeliveryOptions Smtp(string caFile) => new()
    {
        Transport = MailTransportKind.Smtp,
        Smtp = new SmtpOptions { Host = "smtp.example.com", Port = 587, Security = SmtpSecurity.StartTls, TrustedCaFile = caFile },
    };

    [Fact]
    public void Validate_NamesTheKeyAndThePath_WhenTheSmtpCaFileIsMissing()
    {
        var missing = Path.Combine(_folder.Path, "relay-ca.pem");

        var result = new DeliveryOptionsValidator().Validate(null, Smtp(missing));

        Assert.True(result.Failed);
        Assert.Contains($"Newsletter:Delivery:Smtp:TrustedCaFile: the CA certificate file '{missing}' does not exist", result.FailureMessage);
    }

    [Fact]
    public void Validate_SaysItMustHoldACertificate_WhenTheSmtpCaFileIsAKey()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var key = _folder.File("relay-ca.pem", rsa.ExportPkcs8PrivateKeyPem());

        var result = new DeliveryOptionsValidator().Validate(null, Smtp(key));

        Assert.True(result.Failed);
        Assert.Contains("Newsletter:Delivery:Smtp:TrustedCaFile", result.FailureMessage);
        Assert.Contains("BEGIN CERTIFICATE", result.FailureMessage);
    }

    [Fact]
    public async Task Validate_Passes_WhenTheSmtpCaFileHoldsACaCertificate()
    {
        var ca = await Support.TestCertificateAuthority.CreateAsync(Path.Combine(_folder.Path, "ca"), "validation");

        var result = new DeliveryOptionsValidator().Validate(null, Smtp(ca.CaFile));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_NamesTheBouncesKey_WhenTheMailboxCaFileIsMissing()
    {
        var missing = Path.Combine(_folder.Path, "imap-ca.pem");
        var options = new BounceOptions
        {
            Enabled = true,
            Host = "imap.example.com",
            User = "bounces",
            Password = "secret",
            TrustedCaFile = missing,
            CertificateRevocation = CertificateRevocation.Strict,
        };

        var result = new BounceOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"Newsletter:Bounces:TrustedCaFile: the CA certificate file '{missing}' does not exist", result.FailureMessage);
    }
}

using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Delivery;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Signing;
using static Newsletter.Tests.Delivery.DeliveryTestData;

namespace Newsletter.Tests.Delivery;

public class DkimOptionsValidatorTests
{
    private static DkimOptions Enabled(string keyPath) =>
        new() { Enabled = true, Domain = "example.com", Selector = "news2026", PrivateKeyPath = keyPath };

    [Fact]
    public void Validate_Succeeds_WhenDisabledWithoutAnyKey()
    {
        Assert.True(new DkimOptionsValidator().Validate(null, new DkimOptions()).Succeeded);
    }

    [Fact]
    public void Validate_Succeeds_WhenKeyFileHoldsRsaPrivateKey()
    {
        Assert.True(new DkimOptionsValidator().Validate(null, Enabled(DkimTestKey.PrivateKeyPath)).Succeeded);
    }

    [Fact]
    public void Validate_NamesKeyAndPath_WhenKeyFileIsMissing()
    {
        var result = new DkimOptionsValidator().Validate(null, Enabled("/nonexistent/dkim.pem"));

        Assert.True(result.Failed);
        Assert.Contains("Newsletter:Dkim:PrivateKeyPath: the DKIM private key file '/nonexistent/dkim.pem' does not exist", result.FailureMessage);
    }

    [Fact]
    public void Validate_SaysItIsNotAPrivateKey_WhenFileHoldsOnlyThePublicKey()
    {
        using var folder = new TempFolder();
        using var rsa = RSA.Create(2048);
        var path = folder.File("public.pem", rsa.ExportSubjectPublicKeyInfoPem());

        var result = new DkimOptionsValidator().Validate(null, Enabled(path));

        Assert.Contains($"Newsletter:Dkim:PrivateKeyPath: '{path}' is not a readable RSA private key in PEM form", result.FailureMessage);
    }

    [Fact]
    public void Validate_SaysItIsNotAPrivateKey_WhenFileIsNotPem()
    {
        using var folder = new TempFolder();
        var path = folder.File("dkim.pem", "this is not a key");

        var result = new DkimOptionsValidator().Validate(null, Enabled(path));

        Assert.Contains("is not a readable RSA private key in PEM form", result.FailureMessage);
    }

    [Fact]
    public void Validate_NamesEveryMissingKey_WhenEnabledWithNothingElse()
    {
        var result = new DkimOptionsValidator().Validate(null, new DkimOptions { Enabled = true });

        Assert.Contains("Newsletter:Dkim:Domain is required", result.FailureMessage);
        Assert.Contains("Newsletter:Dkim:Selector is required", result.FailureMessage);
        Assert.Contains("Newsletter__Dkim__PrivateKeyPath", result.FailureMessage);
    }

    [Fact]
    public void Validate_Succeeds_WhenKeyIsPkcs1RsaPrivateKeyPem()
    {
        using var folder = new TempFolder();
        using var rsa = RSA.Create(2048);
        var path = folder.File("dkim.pem", rsa.ExportRSAPrivateKeyPem());

        Assert.True(new DkimOptionsValidator().Validate(null, Enabled(path)).Succeeded);
    }

    [Fact]
    public async Task AddDelivery_SignsEveryMessage_WhenDkimIsEnabledInConfiguration()
    {
        using var folder = new TempFolder();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Newsletter:Sender:FromAddress"] = "news@example.com",
            ["Newsletter:Sender:PublicBaseUrl"] = "https://newsletter.example.com",
            ["Newsletter:Unsubscribe:SecretKey"] = "0123456789abcdef0123456789",
            ["Newsletter:Delivery:PickupDirectory"] = Path.Combine(folder.Path, "outbox"),
            ["Newsletter:Dkim:Enabled"] = "true",
            ["Newsletter:Dkim:Domain"] = DkimTestKey.Domain,
            ["Newsletter:Dkim:Selector"] = DkimTestKey.Selector,
            ["Newsletter:Dkim:PrivateKeyPath"] = DkimTestKey.PrivateKeyPath,
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddDelivery();
        await using var provider = services.BuildServiceProvider();

        var builder = provider.GetRequiredService<IssueMessageBuilder>();
        var message = builder.Build(Content(), List, List.Subscribers.First()).Message;

        Assert.True(builder.Signs);
        Assert.True(await DkimTestKey.VerifyAsync(RoundTrip(message)));
    }

    [Fact]
    public void Build_LeavesMessagesUnsigned_WhenNoSignerIsGiven()
    {
        var builder = new IssueMessageBuilder(Options.Create(Sender), Urls());

        Assert.False(builder.Signs);
        Assert.Null(builder.Build(Content(), List, List.Subscribers.First()).Message.Headers[HeaderId.DkimSignature]);
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newsletter.Delivery;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Transports;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Delivery;

public class DeliveryOptionsTests
{
    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddDelivery();
        return services.BuildServiceProvider();
    }

    private static Dictionary<string, string?> ValidSettings(string root) => new()
    {
        ["Newsletter:Sender:FromAddress"] = "news@example.com",
        ["Newsletter:Sender:PublicBaseUrl"] = "https://newsletter.example.com",
        ["Newsletter:Unsubscribe:SecretKey"] = "0123456789abcdef0123456789",
        ["Newsletter:Delivery:PickupDirectory"] = Path.Combine(root, "outbox"),
    };

    [Fact]
    public void Validate_NamesTheHostKey_WhenSmtpTransportHasNoHost()
    {
        var result = new DeliveryOptionsValidator().Validate(null, new DeliveryOptions { Transport = MailTransportKind.Smtp });

        Assert.True(result.Failed);
        Assert.Contains("Newsletter:Delivery:Smtp:Host is required when Newsletter:Delivery:Transport is Smtp", result.FailureMessage);
    }

    [Fact]
    public void Validate_AsksForPasswordFromEnvironment_WhenUserIsSetWithoutPassword()
    {
        var options = new DeliveryOptions { Transport = MailTransportKind.Smtp, Smtp = { Host = "mail", User = "u" } };

        var result = new DeliveryOptionsValidator().Validate(null, options);

        Assert.Contains("Newsletter__Delivery__Smtp__Password", result.FailureMessage);
    }

    [Fact]
    public void Validate_RejectsSenderWithRelativeBaseUrl()
    {
        var result = new SenderOptionsValidator().Validate(null, new SenderOptions { FromAddress = "news@example.com", PublicBaseUrl = "newsletter.example.com" });

        Assert.Contains("Newsletter:Sender:PublicBaseUrl", result.FailureMessage);
    }

    [Fact]
    public void AddDelivery_ResolvesPickupTransport_ByDefault()
    {
        using var folder = new TempFolder();
        using var services = Services(ValidSettings(folder.Path));

        Assert.IsType<PickupMailTransport>(services.GetRequiredService<IMailTransport>());
        Assert.Equal(1000, services.GetRequiredService<IOptions<DeliveryOptions>>().Value.BatchSize);
    }

    [Fact]
    public void AddDelivery_ResolvesSmtpTransport_WhenTransportIsSmtp()
    {
        using var folder = new TempFolder();
        var settings = ValidSettings(folder.Path);
        settings["Newsletter:Delivery:Transport"] = "Smtp";
        settings["Newsletter:Delivery:Smtp:Host"] = "mail.example.com";
        using var services = Services(settings);

        var transport = services.GetRequiredService<IMailTransport>();

        Assert.Equal("smtp://mail.example.com:25", transport.Describe());
    }

    [Fact]
    public void AddDelivery_FailsWithTheKeyName_WhenSmtpHostIsMissing()
    {
        using var folder = new TempFolder();
        var settings = ValidSettings(folder.Path);
        settings["Newsletter:Delivery:Transport"] = "Smtp";
        using var services = Services(settings);

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DeliveryOptions>>().Value);

        Assert.Contains("Newsletter:Delivery:Smtp:Host", e.Message);
    }

    [Fact]
    public void AddDelivery_RejectsOutOfRangeBatchSize()
    {
        using var folder = new TempFolder();
        var settings = ValidSettings(folder.Path);
        settings["Newsletter:Delivery:BatchSize"] = "0";
        using var services = Services(settings);

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DeliveryOptions>>().Value);

        Assert.Contains("BatchSize", e.Message);
    }

    [Fact]
    public void AddDelivery_BuildsMessageBuilder_FromSenderOptions()
    {
        using var folder = new TempFolder();
        using var services = Services(ValidSettings(folder.Path));

        var builder = services.GetRequiredService<IssueMessageBuilder>();

        Assert.Equal("news@example.com", builder.EnvelopeSender.Address);
    }
}

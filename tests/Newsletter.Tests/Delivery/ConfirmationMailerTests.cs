using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Newsletter.Core.Signups;
using Newsletter.Delivery.Signups;
using Newsletter.Delivery.Unsubscribe;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;

namespace Newsletter.Tests.Delivery;

/// <summary>The signup confirmation mail, sent through the configured transport (real SMTP on 127.0.0.1) with DKIM on.</summary>
public sealed partial class ConfirmationMailerTests : IAsyncLifetime
{
    private static readonly ListSignup Signup = new("readers", "Tensor Weekly readers", "Send me the weekly issue.");
    private static readonly DateTimeOffset Expires = new(2026, 12, 10, 14, 5, 0, TimeSpan.Zero);

    private readonly TestEnvironment _environment = new();
    private readonly TestSmtpServer _smtp = new();

    public async Task InitializeAsync()
    {
        await _smtp.StartAsync();
        _environment.UseSmtp(_smtp.Port);
        _environment.Settings["Newsletter:Sender:FromAddress"] = "editor@" + DkimTestKey.Domain;
        _environment.Settings["Newsletter:Branding:AccentColor"] = "#0a7d55";
        _environment.Settings["Newsletter:Dkim:Enabled"] = "true";
        _environment.Settings["Newsletter:Dkim:Domain"] = DkimTestKey.Domain;
        _environment.Settings["Newsletter:Dkim:Selector"] = DkimTestKey.Selector;
        _environment.Settings["Newsletter:Dkim:PrivateKeyPath"] = DkimTestKey.PrivateKeyPath;
    }

    public async Task DisposeAsync()
    {
        await _smtp.DisposeAsync();
        _environment.Dispose();
    }

    [Fact]
    public async Task Send_DeliversADkimSignedMailInTheBranding_WithAConfirmLinkNamingListAddressAndNonce()
    {
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings));
        var mailer = host.Services.GetRequiredService<ConfirmationMailer>();

        await mailer.SendAsync(Signup, new SignupRequest("readers", "Nora@Example.org", "Nora", Signup.ConsentHash), "nonce42", Expires, CancellationToken.None);

        var received = Assert.Single(await _smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal(["Nora@Example.org"], received.EnvelopeTo);
        var message = received.Parse();
        Assert.True(await DkimTestKey.VerifyAsync(message));
        Assert.Equal("Confirm your subscription to Tensor Weekly readers", message.Subject);
        Assert.Null(message.Headers[HeaderId.ListUnsubscribe]);
        Assert.Contains("Hello Nora,", message.TextBody);
        Assert.Contains("10 December 2026, 14:05 UTC", message.TextBody);
        Assert.Contains("Tensor Weekly", message.HtmlBody);
        Assert.Contains("#0a7d55", message.HtmlBody);

        var url = ConfirmLink().Match(message.TextBody ?? "").Value;
        Assert.StartsWith("https://newsletter.test/signup/confirm/", url);
        Assert.Contains(url, message.HtmlBody);
        Assert.True(host.Services.GetRequiredService<ConfirmationTokens>().TryRead(url[(url.LastIndexOf('/') + 1)..], out var link));
        Assert.Equal(("readers", "nora@example.org", "nonce42", Expires), (link.ListName, link.Email, link.Nonce, link.ExpiresAt));
    }

    [Fact]
    public async Task Send_WritesA7BitMessageToThePickupFolder_WhenTheTextHasCharactersBeyondAscii()
    {
        using var pickup = new TestEnvironment();
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, pickup.Settings));

        await host.Services.GetRequiredService<ConfirmationMailer>()
            .SendAsync(Signup, new SignupRequest("readers", "zoe@example.org", "Zoë", Signup.ConsentHash), "nonce42", Expires, CancellationToken.None);

        var written = Assert.Single(Directory.GetFiles(Path.Combine(pickup.Directory, "outbox"), "*.eml", SearchOption.AllDirectories));
        var bytes = await File.ReadAllBytesAsync(written);
        Assert.DoesNotContain(bytes, b => b >= 0x80);
        var message = await MimeMessage.LoadAsync(new MemoryStream(bytes));
        Assert.Contains("Hello Zoë,", message.TextBody);
    }

    [GeneratedRegex(@"https://\S+/signup/confirm/\S+")]
    private static partial Regex ConfirmLink();
}

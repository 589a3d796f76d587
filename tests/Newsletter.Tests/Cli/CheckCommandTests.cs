using Newsletter.Tests.Delivery;
using Newsletter.Tests.Support;
using Xunit.Abstractions;

namespace Newsletter.Tests.Cli;

/// <summary>
/// `newsletter check`, the real executable, against a real Postfix submission relay (STARTTLS, AUTH through Dovecot) and a
/// real Dovecot bounce mailbox over STARTTLS, both with certificates from throwaway CAs.
/// </summary>
public sealed class CheckCommandTests(PostfixRelay relay, TlsDovecotServer mailbox, ITestOutputHelper output)
    : IClassFixture<PostfixRelay>, IClassFixture<TlsDovecotServer>
{
    private const int TestTimeout = 120_000;

    /// <summary>Relay, bounce mailbox and DKIM all configured as an operator would, with the From domain newsletter.test.</summary>
    private (TestEnvironment Environment, KeyValuePair<string, string?>[] Secrets) Configured(string? relayPassword = null)
    {
        var login = relay.CreateLogin();
        var bounces = mailbox.CreateUser();
        var environment = new TestEnvironment().UseSmtp(relay.StartTlsPort);
        var settings = environment.Settings;
        settings["Newsletter:Delivery:Smtp:Security"] = "StartTls";
        settings["Newsletter:Delivery:Smtp:User"] = login.User;
        settings["Newsletter:Delivery:Smtp:TrustedCaFile"] = relay.CertificateAuthority.CaFile;
        settings["Newsletter:Delivery:Smtp:TimeoutSeconds"] = "20";
        settings["Newsletter:Bounces:Enabled"] = "true";
        settings["Newsletter:Bounces:Host"] = mailbox.Host;
        settings["Newsletter:Bounces:Port"] = PostfixRelay.Text(mailbox.Port);
        settings["Newsletter:Bounces:Security"] = "StartTls";
        settings["Newsletter:Bounces:User"] = bounces.User;
        settings["Newsletter:Bounces:TrustedCaFile"] = mailbox.CertificateAuthority.CaFile;
        settings["Newsletter:Dkim:Enabled"] = "true";
        settings["Newsletter:Dkim:Domain"] = "newsletter.test";
        settings["Newsletter:Dkim:Selector"] = DkimTestKey.Selector;
        settings["Newsletter:Dkim:PrivateKeyPath"] = DkimTestKey.PrivateKeyPath;
        return (environment,
        [
            KeyValuePair.Create("Newsletter__Delivery__Smtp__Password", (string?)(relayPassword ?? login.Password)),
            KeyValuePair.Create("Newsletter__Bounces__Password", (string?)bounces.Password),
        ]);
    }

    private static string[] Lines(CliProcess.Result result) => result.Output.Split('\n', StringSplitOptions.TrimEntries);

    /// <summary>Runs `newsletter check` and keeps what it printed in the test's output, for whoever reads a failure.</summary>
    private async Task<CliProcess.Result> CheckAsync(TestEnvironment environment, KeyValuePair<string, string?>[] secrets)
    {
        var check = await CliProcess.RunAsync(environment, secrets, "check");
        output.WriteLine($"$ newsletter check   (exit code {check.ExitCode})");
        output.WriteLine(check.Output);
        output.WriteLine(check.Error);
        return check;
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Check_PassesEveryCheckAndPrintsTheDkimRecordOfTheKey_WhenRelayMailboxAndKeyAreRight()
    {
        var (environment, secrets) = Configured();
        using var _ = environment;

        var check = await CheckAsync(environment, secrets);

        Assert.True(check.ExitCode == 0, check.Output + check.Error);
        var lines = Lines(check);
        Assert.Contains(lines, l => l.StartsWith("✓ configuration", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("✓ SMTP relay", StringComparison.Ordinal) && l.Contains("AUTH accepted", StringComparison.Ordinal) && l.Contains("TLS", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("✓ bounce mailbox", StringComparison.Ordinal) && l.Contains("TLS", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("✓ DKIM", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith('✗'));
        Assert.Contains($"{DkimTestKey.Selector}._domainkey.newsletter.test.", check.Output);
        Assert.Contains(DkimTestKey.DnsRecord, check.Output.Replace("\" \"", "", StringComparison.Ordinal));
        Assert.Contains("_dmarc.newsletter.test.", check.Output);
        Assert.Contains("v=spf1", check.Output);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Check_FailsTheRelayLineWithTheServersReplyAndNeverShowsThePassword_WhenThePasswordIsWrong()
    {
        const string WrongPassword = "wrong-relay-password-93b2";
        var (environment, secrets) = Configured(WrongPassword);
        using var _ = environment;

        var check = await CheckAsync(environment, secrets);

        Assert.Equal(1, check.ExitCode);
        var relayLine = Assert.Single(Lines(check), l => l.StartsWith("✗", StringComparison.Ordinal));
        Assert.Contains("535", relayLine);
        Assert.Contains("Newsletter__Delivery__Smtp__Password", relayLine);
        Assert.Contains(Lines(check), l => l.StartsWith("✓ bounce mailbox", StringComparison.Ordinal));
        Assert.DoesNotContain(WrongPassword, check.Output + check.Error);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Check_WarnsButPasses_WhenTheDkimDomainDoesNotAlignAndPublicBaseUrlIsHttp()
    {
        var (environment, secrets) = Configured();
        using var _ = environment;
        environment.Settings["Newsletter:Dkim:Domain"] = "other-domain.example";
        environment.Settings["Newsletter:Sender:PublicBaseUrl"] = "http://newsletter.test";

        var check = await CheckAsync(environment, secrets);

        Assert.True(check.ExitCode == 0, check.Output + check.Error);
        var lines = Lines(check);
        Assert.Contains(lines, l => l.StartsWith("! DKIM domain other-domain.example does not align with the From domain newsletter.test", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("! Newsletter:Sender:PublicBaseUrl is http://newsletter.test, not https", StringComparison.Ordinal));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Check_SaysWhatTheComplaintCeilingIs_WhenTheBounceMailboxIsRead()
    {
        var (environment, secrets) = Configured();
        using var _ = environment;
        environment.Settings["Newsletter:Bounces:ComplaintRateCeiling"] = "0.005";

        var check = await CheckAsync(environment, secrets);

        var line = Assert.Single(Lines(check), l => l.StartsWith("✓ complaints:", StringComparison.Ordinal));
        Assert.Contains("a running send pauses when its complaints are above 0.5% of the messages delivered, once it has 1,000 delivered and 5 complaints", line);
        Assert.Contains("Newsletter:Bounces:ComplaintRateCeiling", line);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Check_FailsNamingTheKey_WhenTheConfigurationDoesNotValidate()
    {
        var (environment, secrets) = Configured();
        using var _ = environment;
        environment.Settings["Newsletter:Delivery:Smtp:Port"] = "70000";

        var check = await CheckAsync(environment, secrets);

        Assert.Equal(1, check.ExitCode);
        Assert.Contains(Lines(check), l => l.StartsWith("✗ configuration:", StringComparison.Ordinal) && l.Contains("Newsletter:Delivery:Smtp:Port", StringComparison.Ordinal));
    }
}

using System.Text.Json;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Cli;

/// <summary>
/// `newsletter publish`, the real executable, sending the sample week through a real Postfix submission relay with
/// STARTTLS and a login, as the shipped appsettings.json is set up to (Smtp, port 587 style, StartTls).
/// </summary>
public sealed class RelaySendTests(PostfixRelay relay) : IClassFixture<PostfixRelay>
{
    private const int SampleSubscribers = 5;

    /// <summary>A fresh environment whose SMTP settings point at the relay's STARTTLS port with the given login.</summary>
    private TestEnvironment RelayEnvironment(string user, bool trustTheCa = true)
    {
        var environment = new TestEnvironment().UseSmtp(relay.StartTlsPort);
        environment.Settings.Remove("Newsletter:Delivery:BatchSize");
        environment.Settings["Newsletter:Delivery:Smtp:Security"] = "StartTls";
        environment.Settings["Newsletter:Delivery:Smtp:User"] = user;
        environment.Settings["Newsletter:Delivery:Smtp:TimeoutSeconds"] = "20";
        if (trustTheCa)
        {
            environment.Settings["Newsletter:Delivery:Smtp:TrustedCaFile"] = relay.CertificateAuthority.CaFile;
        }
        return environment;
    }

    private static KeyValuePair<string, string?>[] Password(string password) =>
        [KeyValuePair.Create("Newsletter__Delivery__Smtp__Password", (string?)password)];

    private static JsonElement OnlySend(CliProcess.Result status)
    {
        Assert.True(status.ExitCode == 0, status.Output + status.Error);
        return JsonDocument.Parse(status.Output).RootElement.GetProperty("sends")[0].Clone();
    }

    [Fact(Timeout = 180_000)]
    public async Task Publish_DeliversEveryMessageThroughTheRelay_WhenStartTlsAndTheLoginAreRight()
    {
        var login = relay.CreateLogin();
        using var environment = RelayEnvironment(login.User);
        var before = relay.Destination.Received.Count;

        var publish = await CliProcess.RunAsync(environment, Password(login.Password), "publish", "--date", "2026-04-06");

        Assert.True(publish.ExitCode == 0, publish.Output + publish.Error + relay.ReadLog());
        var delivered = await relay.Destination.WaitForMessagesAsync(before + SampleSubscribers, TimeSpan.FromSeconds(60));
        var ours = delivered.Skip(before).Select(m => m.Parse()).ToList();
        Assert.All(ours, m => Assert.Contains(m.Headers, h => h.Field == "Received" && h.Value.Contains($"Authenticated sender: {login.User}", StringComparison.Ordinal)));
    }

    [Fact(Timeout = 180_000)]
    public async Task Publish_PausesWithTheServersReplyAndNeverShowsThePassword_WhenThePasswordIsWrong()
    {
        var login = relay.CreateLogin();
        const string WrongPassword = "not-the-password-5d1e0b";
        using var environment = RelayEnvironment(login.User);

        var publish = await CliProcess.RunAsync(environment, Password(WrongPassword), "publish", "--date", "2026-04-06");
        var status = await CliProcess.RunAsync(environment, Password(WrongPassword), "status", "1", "--json");

        Assert.Equal(1, publish.ExitCode);
        var send = OnlySend(status);
        Assert.Equal("paused", send.GetProperty("state").GetString());
        var reason = send.GetProperty("pauseReason").GetString()!;
        Assert.Contains("535", reason);
        Assert.Contains("authentication failed", reason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(login.User, reason);
        Assert.Equal(0, send.GetProperty("deferred").GetInt32());
        Assert.Equal(0, send.GetProperty("failed").GetInt32());
        Assert.Contains("535", publish.Output + publish.Error);
        Assert.DoesNotContain(WrongPassword, publish.Output + publish.Error + status.Output + status.Error);
    }

    [Fact(Timeout = 180_000)]
    public async Task Publish_PausesSayingTheCertificateIsNotTrustedAndHowToFixIt_WhenTheRelaysCaIsNotTrusted()
    {
        var login = relay.CreateLogin();
        using var environment = RelayEnvironment(login.User, trustTheCa: false);

        var publish = await CliProcess.RunAsync(environment, Password(login.Password), "publish", "--date", "2026-04-06");
        var status = await CliProcess.RunAsync(environment, Password(login.Password), "status", "1", "--json");

        Assert.Equal(1, publish.ExitCode);
        var send = OnlySend(status);
        Assert.Equal("paused", send.GetProperty("state").GetString());
        Assert.Contains("not trusted by this machine", send.GetProperty("pauseReason").GetString());
        Assert.Contains("TrustedCaFile", send.GetProperty("pauseReason").GetString());
        Assert.Equal(0, send.GetProperty("deferred").GetInt32());
    }

    [Fact(Timeout = 60_000)]
    public async Task Publish_RefusesToStartNamingTheKeyAndTheFile_WhenTheTrustedCaFileIsMissing()
    {
        var login = relay.CreateLogin();
        using var environment = RelayEnvironment(login.User);
        var missing = Path.Combine(environment.Directory, "no-such-ca.pem");
        environment.Settings["Newsletter:Delivery:Smtp:TrustedCaFile"] = missing;

        var publish = await CliProcess.RunAsync(environment, Password(login.Password), "publish", "--date", "2026-04-06");

        Assert.Equal(2, publish.ExitCode);
        Assert.Contains("Newsletter:Delivery:Smtp:TrustedCaFile", publish.Error);
        Assert.Contains(missing, publish.Error);
    }
}

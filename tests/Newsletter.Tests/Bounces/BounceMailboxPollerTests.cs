using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Bounces;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;

namespace Newsletter.Tests.Bounces;

/// <summary>The poller as <c>run</c> hosts it: wired through NewsletterHost, reading a real Dovecot.</summary>
public sealed class BounceMailboxPollerTests(DovecotServer dovecot) : IClassFixture<DovecotServer>, IDisposable
{
    private readonly TestEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    private Dictionary<string, string?> BounceSettings((string User, string Password) mailbox) =>
        new(_environment.Settings.Concat(dovecot.BounceMailboxSettings(mailbox)))
        {
            ["Newsletter:Bounces:PollSeconds"] = "1",
        };

    [Fact(Timeout = 30_000)]
    public async Task Poller_SuppressesAHardBounceWithoutBeingAsked_WhenTheHostRunsTheBounceProcessor()
    {
        var mailbox = dovecot.CreateUser();
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, BounceSettings(mailbox), RunBounceProcessor: true));
        await SentIssues.SendAsync(TestDeliveryLog.From(host.Services), 1, ["ada@example.com"]);
        await dovecot.AppendAsync(mailbox, "INBOX", BounceFixtures.Load(BounceFixtures.GmailHard));
        var suppressions = host.Services.GetRequiredService<ISuppressionList>();

        await host.StartAsync();
        try
        {
            // The suppression is recorded before the message is moved, so wait for both.
            while (!await suppressions.IsSuppressedAsync("ada@example.com", "weekly", CancellationToken.None)
                   || (await dovecot.ListAsync(mailbox, "Processed")).Count == 0)
            {
                await Task.Delay(100);
            }
        }
        finally
        {
            await host.StopAsync();
        }

        Assert.Single(await dovecot.ListAsync(mailbox, "Processed"));
    }

    [Fact]
    public void Host_RegistersNoPoller_WhenTheCommandIsNotRun()
    {
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: true, _environment.Settings));

        Assert.DoesNotContain(host.Services.GetServices<IHostedService>(), s => s is BounceMailboxPoller);
        // `bounces process` still runs a pass by hand in such a host.
        Assert.IsType<BounceProcessor>(host.Services.GetService<BounceProcessor>());
    }

    [Fact]
    public async Task Host_RefusesToStartNamingTheKey_WhenBouncesAreEnabledWithoutAHost()
    {
        var settings = new Dictionary<string, string?>(_environment.Settings) { ["Newsletter:Bounces:Enabled"] = "true" };
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, settings));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Newsletter:Bounces:Host", error.Message);
    }
}

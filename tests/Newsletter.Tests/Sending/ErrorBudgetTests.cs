using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Errors;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;

namespace Newsletter.Tests.Sending;

/// <summary>A send where most addresses are refused stops itself instead of burning through the list.</summary>
[Collection(HangfireCollection.Name)]
public sealed class ErrorBudgetTests : IAsyncLifetime
{
    private const int Subscribers = 200;
    private readonly TestEnvironment _environment = new();
    private readonly FaultySmtpServer _smtp = new();

    public async Task InitializeAsync() => await _smtp.StartAsync();

    public async Task DisposeAsync()
    {
        await _smtp.DisposeAsync();
        _environment.Dispose();
    }

    [Fact]
    public async Task Send_PausesItselfAndSaysWhy_WhenPermanentFailuresExceedTheErrorBudget()
    {
        _environment.UseSmtp(_smtp.Port);
        var addresses = _environment.AddCsvList("readers", Subscribers);
        foreach (var address in addresses.Where((_, i) => i % 2 == 0)) _smtp.RefuseRecipient(address);
        _environment.Settings["Newsletter:Delivery:BatchSize"] = "50";
        _environment.Settings["Newsletter:Sending:ErrorBudget"] = "0.2";
        _environment.Settings["Newsletter:Sending:ErrorBudgetMinimumAttempts"] = "20";

        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: true, _environment.Settings));
        await host.StartAsync();
        var stopped = await Assert.ThrowsAsync<SendStoppedException>(() => host.PublishAndWaitAsync("readers", TimeSpan.FromMinutes(2)));
        var log = TestDeliveryLog.From(host.Services);
        var send = await log.FindSendAsync(1, "readers", CancellationToken.None);
        var counts = await log.CountAsync(1, send!.Id, CancellationToken.None);
        await host.StopAsync();

        Assert.Equal(SendState.Paused, send.State);
        Assert.Contains("error budget", send.PauseReason);
        Assert.Contains("paused", stopped.Message);
        Assert.True(counts.Pending > Subscribers / 2, $"{counts.Pending} still pending: the send stopped early instead of burning the list");
    }

    [Fact(Timeout = 240_000)]
    public async Task Send_DoesNotPause_WhenTheFirstNineOfAThousandAddressesAreDead()
    {
        // Old sign-ups sit at the head of a list: the first batch starts with nine refusals while three other connections
        // send the next batches, so the first two dozen attempts hold all nine failures. The budget and its minimum are
        // left at their defaults.
        _environment.UseSmtp(_smtp.Port);
        var addresses = _environment.AddCsvList("readers", 1000);
        foreach (var address in addresses.Take(9)) _smtp.RefuseRecipient(address);
        _environment.Settings["Newsletter:Jobs:WorkerCount"] = "4";
        _environment.Settings["Newsletter:Sending:Connections"] = "4";
        _environment.Settings["Newsletter:Delivery:BatchSize"] = "100";

        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: true, _environment.Settings));
        await host.StartAsync();
        var (_, counts) = await host.PublishAndWaitAsync("readers", TimeSpan.FromMinutes(3));
        var send = await TestDeliveryLog.From(host.Services).FindSendAsync(1, "readers", CancellationToken.None);
        await host.StopAsync();

        Assert.Equal(SendState.Finished, send!.State);
        Assert.Null(send.PauseReason);
        Assert.Equal((991, 9, 0), (counts.Sent, counts.Failed, counts.Outstanding));
    }

    [Fact(Timeout = 240_000)]
    public async Task Send_DoesNotPause_WhenNineDeadAddressesOfAThousandFallInTheFirstTwoDozenAttempts()
    {
        // The same cluster made deterministic: one connection, and the nine refusals are attempts 16 to 24, so the budget sees
        // "9 of 24 failed" (37%) on real evidence of nothing but a cluster.
        _environment.UseSmtp(_smtp.Port);
        var addresses = _environment.AddCsvList("readers", 1000);
        foreach (var address in addresses.Skip(15).Take(9)) _smtp.RefuseRecipient(address);
        _environment.Settings["Newsletter:Jobs:WorkerCount"] = "1";
        _environment.Settings["Newsletter:Sending:Connections"] = "1";
        _environment.Settings["Newsletter:Delivery:BatchSize"] = "100";

        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: true, _environment.Settings));
        await host.StartAsync();
        var (_, counts) = await host.PublishAndWaitAsync("readers", TimeSpan.FromMinutes(3));
        await host.StopAsync();

        Assert.Equal((991, 9, 0), (counts.Sent, counts.Failed, counts.Outstanding));
    }

    [Fact(Timeout = 240_000)]
    public async Task Send_PausesEarly_WhenMostAddressesFail()
    {
        _environment.UseSmtp(_smtp.Port);
        var addresses = _environment.AddCsvList("readers", 1000);
        foreach (var address in addresses.Where((_, i) => i % 5 != 0)) _smtp.RefuseRecipient(address);
        _environment.Settings["Newsletter:Delivery:BatchSize"] = "100";

        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: true, _environment.Settings));
        await host.StartAsync();
        await Assert.ThrowsAsync<SendStoppedException>(() => host.PublishAndWaitAsync("readers", TimeSpan.FromMinutes(3)));
        var log = TestDeliveryLog.From(host.Services);
        var send = await log.FindSendAsync(1, "readers", CancellationToken.None);
        var counts = await log.CountAsync(1, send!.Id, CancellationToken.None);
        await host.StopAsync();

        Assert.Equal(SendState.Paused, send.State);
        Assert.Contains("error budget", send.PauseReason);
        Assert.True(counts.Sent + counts.Failed < 250, $"{counts.Sent + counts.Failed} of 1,000 tried before pausing: not early");
        Assert.True(counts.Failed > counts.Sent, $"{counts.Failed} failed, {counts.Sent} sent");
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Core.Deliveries;
using Newsletter.Tests.Support;
using Newsletter.Worker;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Publishing;
using Newsletter.Worker.Sending;

namespace Newsletter.Tests.Sending;

/// <summary>A send where most addresses are refused stops itself instead of burning through the list.</summary>
[Collection(HangfireCollection.Name)]
public sealed class ErrorBudgetTests : IAsyncLifetime
{
    private const int Subscribers = 200;
    private readonly TestEnvironment environment = new();
    private readonly FaultySmtpServer smtp = new();

    public async Task InitializeAsync() => await smtp.StartAsync();

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        environment.Dispose();
    }

    [Fact]
    public async Task Send_PausesItselfAndSaysWhy_WhenPermanentFailuresExceedTheErrorBudget()
    {
        environment.UseSmtp(smtp.Port);
        var addresses = environment.AddCsvList("readers", Subscribers);
        foreach (var address in addresses.Where((_, i) => i % 2 == 0)) smtp.RefuseRecipient(address);
        environment.Settings["Newsletter:Delivery:BatchSize"] = "50";
        environment.Settings["Newsletter:Sending:ErrorBudget"] = "0.2";
        environment.Settings["Newsletter:Sending:ErrorBudgetMinimumAttempts"] = "20";

        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: true, environment.Settings));
        await host.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var published = await host.Services.GetRequiredService<IssuePublisher>().PublishAsync(new DateOnly(2026, 4, 6), ["readers"], _ => { }, timeout.Token);
        var stopped = await Assert.ThrowsAsync<CommandException>(() => host.Services.GetRequiredService<SendWatcher>()
            .WaitAsync(published.Issue.Number, published.Sends.Select(s => s.Send).ToList(), (_, _) => { }, timeout.Token));
        var log = host.Services.GetRequiredService<IDeliveryLog>();
        var send = await log.GetSendAsync(published.Sends.Single().Send.Id, timeout.Token);
        var counts = await log.CountAsync(published.Issue.Number, send!.Id, timeout.Token);
        await host.StopAsync();

        Assert.Equal(SendState.Paused, send.State);
        Assert.Contains("error budget", send.PauseReason);
        Assert.Contains("paused", stopped.Message);
        Assert.True(counts.Pending > Subscribers / 2, $"{counts.Pending} still pending: the send stopped early instead of burning the list");
    }
}

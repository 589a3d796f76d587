using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Core.Deliveries;
using Newsletter.Tests.Support;
using Newsletter.Worker;
using Newsletter.Worker.Hosting;

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
        var stopped = await Assert.ThrowsAsync<CommandException>(() => host.PublishAndWaitAsync("readers", TimeSpan.FromMinutes(2)));
        var log = host.Services.GetRequiredService<IDeliveryLog>();
        var send = await log.FindSendAsync(1, "readers", CancellationToken.None);
        var counts = await log.CountAsync(1, send!.Id, CancellationToken.None);
        await host.StopAsync();

        Assert.Equal(SendState.Paused, send.State);
        Assert.Contains("error budget", send.PauseReason);
        Assert.Contains("paused", stopped.Message);
        Assert.True(counts.Pending > Subscribers / 2, $"{counts.Pending} still pending: the send stopped early instead of burning the list");
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;
using Xunit.Abstractions;

namespace Newsletter.Tests.Sending;

[Collection(HangfireCollection.Name)]
public sealed class RateLimitTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TestEnvironment environment = new();
    private readonly FaultySmtpServer smtp = new();

    public async Task InitializeAsync() => await smtp.StartAsync();

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        environment.Dispose();
    }

    /// <remarks>
    /// The limiter spaces messages 50 ms apart when they leave; the server stamps them when it accepts them, a few
    /// milliseconds of network and SQLite later (more on a loaded machine), and that jitter can squeeze an extra message or
    /// two into a window. Stated tolerance: two messages (10%) over the limit in any one-second window; seen here: 21.
    /// </remarks>
    [Fact]
    public async Task Send_KeepsEverySecondWithinTwentyPlusTwoForAcceptanceJitter_WithFourConnectionsAndALimitOf20PerSecond()
    {
        environment.UseSmtp(smtp.Port);
        environment.AddCsvList("readers", 120);
        environment.Settings["Newsletter:Delivery:BatchSize"] = "20";
        environment.Settings["Newsletter:Sending:Connections"] = "4";
        environment.Settings["Newsletter:Sending:PerSecond"] = "20";

        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: true, environment.Settings));
        await host.StartAsync();
        var (_, counts) = await host.PublishAndWaitAsync("readers", TimeSpan.FromMinutes(2));
        await host.StopAsync();

        var busiest = smtp.MaxAcceptedInAnyWindow(TimeSpan.FromSeconds(1));
        var span = smtp.AcceptedAt.Max() - smtp.AcceptedAt.Min();
        output.WriteLine($"{counts.Sent} sent over {span.TotalSeconds:0.0} s; busiest one-second window held {busiest}.");
        Assert.Equal(120, counts.Sent);
        Assert.InRange(busiest, 15, 22);
    }
}

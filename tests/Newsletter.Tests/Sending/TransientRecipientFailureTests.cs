using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Newsletter.Core.Deliveries;
using Newsletter.Tests.Support;
using Newsletter.Tests.Web;
using Newsletter.Worker.Hosting;

namespace Newsletter.Tests.Sending;

/// <summary>
/// A 4xx to one RCPT that is not throttling (<c>451 4.3.0</c>) is that recipient's transient failure: the delivery is deferred
/// and retried, and the connection carries on with the next recipient without pausing.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class TransientRecipientFailureTests : IAsyncLifetime
{
    private const int Subscribers = 1000;
    private readonly TestEnvironment _environment = new();
    private readonly FaultySmtpServer _smtp = new()
    {
        Faults = new SmtpFaults { TransientFailureRate = 0.1, TransientFailureCommands = SmtpFaultCommands.Rcpt, TransientReplyCode = 451, Seed = 11 },
    };

    public async Task InitializeAsync() => await _smtp.StartAsync();

    public async Task DisposeAsync()
    {
        await _smtp.DisposeAsync();
        _environment.Dispose();
    }

    [Fact(Timeout = 240_000)]
    public async Task Send_FinishesWithoutThrottlePausesOrNewConnections_WhenOneRcptInTenGets451_4_3_0()
    {
        _environment.UseSmtp(_smtp.Port);
        var addresses = _environment.AddCsvList("readers", Subscribers);
        _environment.Settings["Newsletter:Delivery:BatchSize"] = "100";
        _environment.Settings["Newsletter:Sending:Connections"] = "4";
        _environment.Settings["Newsletter:Sending:RetryDelaysSeconds:0"] = "0.2";
        _environment.Settings["Newsletter:Sending:ThrottlePauseSeconds"] = "2";
        var logs = new LogCapture();
        var builder = Host.CreateApplicationBuilder();
        builder.AddNewsletter(new HostSettings(RunJobServer: true, _environment.Settings));
        builder.Logging.AddProvider(logs);

        using var host = builder.Build();
        await host.StartAsync();
        var (_, counts) = await host.PublishAndWaitAsync("readers", TimeSpan.FromMinutes(3));
        await host.StopAsync();

        Assert.True(_smtp.TransientRepliesInjected >= 50, $"only {_smtp.TransientRepliesInjected} 451 replies were injected");
        var perRecipient = _smtp.Received.SelectMany(m => m.EnvelopeTo).GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(addresses.Order(), perRecipient.Keys.Order());
        Assert.All(perRecipient, kv => Assert.Equal(1, kv.Value));
        Assert.Equal(Subscribers, counts.Sent);
        Assert.DoesNotContain(logs.Lines, l => l.Contains("throttles us", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("connection failures in a row", StringComparison.Ordinal));
        // Each 451 stayed with its recipient: the pooled connections were never dropped to start over.
        Assert.True(_smtp.ConnectionsAccepted <= 8, $"{_smtp.ConnectionsAccepted} connections for {_smtp.TransientRepliesInjected} recipient deferrals");
    }

    [Fact(Timeout = 240_000)]
    public async Task Send_PausesTheConnection_WhenRcptGets451_4_7_1Throttling()
    {
        _environment.UseSmtp(_smtp.Port);
        _smtp.Faults = _smtp.Faults with { TransientFailureRate = 0.3, TransientReplyText = "4.7.1 Too many messages, slow down" };
        _environment.AddCsvList("readers", 20);
        _environment.Settings["Newsletter:Sending:RetryDelaysSeconds:0"] = "0.2";
        _environment.Settings["Newsletter:Sending:ThrottlePauseSeconds"] = "0.05";
        var logs = new LogCapture();
        var builder = Host.CreateApplicationBuilder();
        builder.AddNewsletter(new HostSettings(RunJobServer: true, _environment.Settings));
        builder.Logging.AddProvider(logs);

        using var host = builder.Build();
        await host.StartAsync();
        var (_, counts) = await host.PublishAndWaitAsync("readers", TimeSpan.FromMinutes(3));
        await host.StopAsync();

        Assert.Equal(20, counts.Sent);
        Assert.Contains(logs.Lines, l => l.Contains("throttles us (451)", StringComparison.Ordinal));
    }
}

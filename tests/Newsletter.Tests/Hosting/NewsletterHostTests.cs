using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Sending;

namespace Newsletter.Tests.Hosting;

/// <summary>What the composition decides from <see cref="HostSettings"/>, once, without starting anything.</summary>
public sealed class NewsletterHostTests : IDisposable
{
    private readonly TestEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    [Fact]
    public void Host_RunsTheHeartbeatAndClaimRecovery_WhenItRunsAJobServer()
    {
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: true, _environment.Settings));

        var heartbeat = Assert.Single(host.Services.GetServices<IHostedService>().OfType<WorkerHeartbeat>());
        Assert.Same(host.Services.GetRequiredService<WorkerHeartbeat>(), heartbeat);
    }

    [Fact]
    public void Host_RunsNoHeartbeat_WhenTheCommandClaimsNoDeliveries()
    {
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings));

        Assert.Empty(host.Services.GetServices<IHostedService>().OfType<WorkerHeartbeat>());
        // `send --resume` still recovers abandoned claims by hand through it.
        Assert.IsType<WorkerHeartbeat>(host.Services.GetService<WorkerHeartbeat>());
    }
}

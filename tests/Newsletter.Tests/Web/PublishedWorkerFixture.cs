using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Composition;
using Newsletter.Delivery.Unsubscribe;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>A running worker that has sent the sample week to a small list (pickup transport), shared by a test class.</summary>
public sealed class PublishedWorkerFixture : IAsyncLifetime
{
    public const string ViewerUser = "viewer";
    public const string ViewerPassword = "viewer-password-123";

    public TestEnvironment Environment { get; } = new();

    public RunningWorker Worker { get; private set; } = null!;

    public IReadOnlyList<string> Subscribers { get; private set; } = [];

    public Issue Issue { get; private set; } = null!;

    public UnsubscribeTokens Tokens => Worker.Services.GetRequiredService<UnsubscribeTokens>();

    public async Task InitializeAsync()
    {
        Subscribers = Environment.AddCsvList("readers", 8);
        Environment.Settings["Newsletter:Web:Dashboard:User"] = ViewerUser;
        Environment.Settings["Newsletter:Web:Dashboard:Password"] = ViewerPassword;
        Worker = await RunningWorker.StartAsync(Environment);
        (Issue, _) = await Worker.PublishAsync(RunningWorker.FirstWeek, "readers");
    }

    public async Task DisposeAsync()
    {
        await Worker.DisposeAsync();
        Environment.Dispose();
    }
}

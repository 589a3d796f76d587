using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>
/// A running worker that has sent the sample week over real SMTP (the in-process test server on 127.0.0.1) to a list of
/// <see cref="ListSize"/>: one of them the server refuses with 550, and one had unsubscribed before the send. Shared by a test class.
/// </summary>
public sealed class SmtpSentWorkerFixture : IAsyncLifetime
{
    public const string ListName = "metered";
    public const int ListSize = 10;

    public TestEnvironment Environment { get; } = new();

    public TestSmtpServer Smtp { get; } = new();

    public RunningWorker Worker { get; private set; } = null!;

    public string Refused { get; private set; } = "";

    public string Unsubscribed { get; private set; } = "";

    public Issue Issue { get; private set; } = null!;

    /// <summary>What the delivery log says of the send once it finished.</summary>
    public DeliveryCounts Counts { get; private set; } = DeliveryCounts.None;

    public async Task InitializeAsync()
    {
        await Smtp.StartAsync();
        Environment.UseSmtp(Smtp.Port);
        var subscribers = Environment.AddCsvList(ListName, ListSize);
        Refused = subscribers[3];
        Smtp.RefuseRecipient(Refused);
        Environment.Settings["Newsletter:Web:Dashboard:User"] = PublishedWorkerFixture.ViewerUser;
        Environment.Settings["Newsletter:Web:Dashboard:Password"] = PublishedWorkerFixture.ViewerPassword;
        Worker = await RunningWorker.StartAsync(Environment);
        Unsubscribed = subscribers[6];
        await Worker.Services.GetRequiredService<ISuppressionList>()
            .AddAsync(Unsubscribed, ListName, SuppressionReason.Unsubscribed, "before the send", CancellationToken.None);
        (Issue, Counts) = await Worker.PublishAsync(RunningWorker.FirstWeek, ListName);
    }

    public async Task DisposeAsync()
    {
        await Worker.DisposeAsync();
        await Smtp.DisposeAsync();
        Environment.Dispose();
    }
}

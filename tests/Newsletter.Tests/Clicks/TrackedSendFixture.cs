using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Newsletter.Core.Composition;
using Newsletter.Delivery.Sending;
using Newsletter.OperatorFiles.Lists;
using Newsletter.Tests.Support;
using Newsletter.Tests.Web;

namespace Newsletter.Tests.Clicks;

/// <summary>
/// A running worker (the real web host with its job server, on 127.0.0.1 port 0) with click tracking on or off that has sent
/// the sample week over real SMTP (the in-process server on 127.0.0.1) to <see cref="Readers"/> readers, and holds issue #2
/// composed and scheduled a day ahead: not started.
/// </summary>
public abstract class TrackedSendFixture(bool clicks) : IAsyncLifetime
{
    public const string ListName = "readers";
    public const int Readers = 20;

    public TestEnvironment Environment { get; } = new();

    public TestSmtpServer Smtp { get; } = new();

    public RunningWorker Worker { get; private set; } = null!;

    public Issue Issue { get; private set; } = null!;

    public Issue Scheduled { get; private set; } = null!;

    public IReadOnlyList<string> Subscribers { get; private set; } = [];

    /// <summary>The HTML and text parts each reader received, by address.</summary>
    public IReadOnlyDictionary<string, (string Html, string Text)> Received { get; private set; } = new Dictionary<string, (string, string)>();

    public async Task InitializeAsync()
    {
        await Smtp.StartAsync();
        Environment.UseSmtp(Smtp.Port);
        Environment.Settings["Newsletter:Tracking:Clicks"] = clicks ? "true" : "false";
        Subscribers = Environment.AddCsvList(ListName, Readers);
        Worker = await RunningWorker.StartAsync(Environment);
        (Issue, _) = await Worker.PublishAsync(RunningWorker.FirstWeek, ListName);
        var messages = await Smtp.WaitForMessagesAsync(Readers, TimeSpan.FromMinutes(1));
        Received = messages.ToDictionary(m => m.EnvelopeTo.Single(), m =>
        {
            var parsed = m.Parse();
            return (parsed.HtmlBody ?? "", parsed.TextBody ?? "");
        });

        var nextWeek = RunningWorker.FirstWeek.AddDays(7);
        await Worker.AddStoryAsync(nextWeek, "next-week-story");
        Scheduled = await Worker.Services.GetRequiredService<IssueComposer>().ComposeAsync(nextWeek, CancellationToken.None);
        var list = Worker.Lists.Resolve([ListName]).Single();
        await Worker.Services.GetRequiredService<SendScheduler>()
            .ScheduleAsync(Scheduled.Number, list, DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Worker.DisposeAsync();
        await Smtp.DisposeAsync();
        Environment.Dispose();
    }
}

public sealed class ClicksOnFixture() : TrackedSendFixture(clicks: true);

public sealed class ClicksOffFixture() : TrackedSendFixture(clicks: false);

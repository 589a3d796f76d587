using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Stories;
using Newsletter.OperatorFiles.Lists;
using Newsletter.Tests.Support;
using Newsletter.Web;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Publishing;
using Newsletter.Worker.Sending;

namespace Newsletter.Tests.Web;

/// <summary>
/// <c>newsletter run</c> in-process: the real web app on Kestrel at 127.0.0.1 port 0, with its job server, SQLite files in
/// a test environment and (optionally) SMTP to a test server. Log lines are kept for assertions.
/// </summary>
public sealed class RunningWorker : IAsyncDisposable
{
    public static readonly DateOnly FirstWeek = new(2026, 4, 6);

    private RunningWorker(WebApplication app, LogCapture logs)
    {
        App = app;
        Logs = logs;
        BaseAddress = new Uri(app.Urls.Single());
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>Where Kestrel listens, e.g. http://127.0.0.1:40123.</summary>
    public Uri BaseAddress { get; }

    public LogCapture Logs { get; }

    public static async Task<RunningWorker> StartAsync(TestEnvironment environment, bool runJobServer = true, Action<WebApplicationBuilder>? configure = null)
    {
        var logs = new LogCapture();
        var app = NewsletterWebApp.Build(new HostSettings(RunJobServer: runJobServer, environment.Settings), "http://127.0.0.1:0", builder =>
        {
            builder.Logging.AddProvider(logs);
            configure?.Invoke(builder);
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.StartAsync(timeout.Token);
        return new RunningWorker(app, logs);
    }

    /// <summary>A client that behaves like a mailbox provider's one-click POST: no cookies, no redirects followed.</summary>
    public HttpClient Client() => new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
    {
        BaseAddress = BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>Publishes the week (importing the repository's stories) to the lists, as the weekly job does, and waits until the send is done.</summary>
    public async Task<(Issue Issue, DeliveryCounts Counts)> PublishAsync(DateOnly weekEnding, params string[] lists)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var published = await Services.GetRequiredService<IssuePublisher>().PublishAsync(weekEnding, lists, _ => { }, timeout.Token);
        var counts = await Services.GetRequiredService<SendWatcher>()
            .WaitAsync(published.Issue.Number, published.Sends.Select(s => s.Send).ToList(), (_, _) => { }, timeout.Token);
        return (published.Issue, counts);
    }

    /// <summary>Stores a featured story dated in the week ending <paramref name="weekEnding"/>, so that week can be composed.</summary>
    public Task AddStoryAsync(DateOnly weekEnding, string slug) =>
        Services.GetRequiredService<IStoryStore>().UpsertAsync(new Story(slug, StorySection.News, $"Story {slug}", weekEnding.AddDays(-2), "Test Source",
            new Uri($"https://example.com/{slug}"), "A summary of the week's story.", Featured: true), CancellationToken.None);

    public MailingListCatalog Lists => Services.GetRequiredService<MailingListCatalog>();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}

using Newsletter.Core.Composition;
using Newsletter.Delivery;
using Newsletter.Delivery.Bounces;
using Newsletter.Delivery.Sending;
using Newsletter.OperatorFiles.Lists;
using Newsletter.OperatorFiles.Stories;
using Newsletter.Rendering;
using Newsletter.Storage;
using Newsletter.Worker.Publishing;
using Newsletter.Worker.Scheduling;
using Newsletter.Worker.Sending;

namespace Newsletter.Worker.Hosting;

/// <summary>What a command needs from the host.</summary>
/// <param name="RunJobServer">Start a Hangfire server in this process (for <c>run</c>, <c>publish</c> and <c>send --wait</c>).</param>
/// <param name="ConfigurationOverrides">Settings layered over appsettings.json and the environment (tests use this).</param>
/// <param name="ValidateListsAtStart">
/// Read and validate every list at start and refuse to start when one is invalid: for the commands that send (publish, send,
/// run). Off for the rest, which never read the lists, so a large list costs them nothing; `lists validate` reports problems itself.
/// </param>
/// <param name="RunBounceProcessor">Poll the bounce mailbox (Newsletter:Bounces, when enabled); only `run` does.</param>
/// <param name="KeepPublishSchedule">Register (or remove) the weekly publish job from Newsletter:Schedule at start; only `run` does.</param>
public sealed record HostSettings(bool RunJobServer, IReadOnlyDictionary<string, string?>? ConfigurationOverrides = null, bool ValidateListsAtStart = false,
    bool RunBounceProcessor = false, bool KeepPublishSchedule = false);

/// <summary>Wires every area of the service into one host. Program.cs and the tests build hosts only through here.</summary>
public static class NewsletterHost
{
    /// <summary>A host for a CLI command: no web server.</summary>
    public static IHost Create(HostSettings settings, string[]? args = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = ConfigurationFilePolling.WithUnwatchedDefaults(args),
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        ConfigurationFilePolling.WatchJsonFilesByPolling(builder);
        builder.AddNewsletter(settings);
        return builder.Build();
    }

    /// <summary>Every area of the newsletter, each through its own Add…() call; what differs between commands is decided here, once, from <paramref name="settings"/>.</summary>
    public static void AddNewsletter(this IHostApplicationBuilder builder, HostSettings settings)
    {
        if (settings.ConfigurationOverrides is { } overrides)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }
        builder.AddNewsletterLogging();

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddNewsletterMetrics();
        services.AddSecretsCheck();
        services.AddStore();
        services.AddStoryFiles();
        services.AddRendering();
        services.AddDelivery();
        services.AddNewsletterLists(validateAtStart: settings.ValidateListsAtStart);
        services.AddComposition();
        services.AddPublishing();
        // Before any other hosted service: a schedule that cannot be kept stops the start before anything runs.
        services.AddPublishSchedule(keepSchedule: settings.KeepPublishSchedule);
        services.AddSending();
        services.AddSendJobs(claimsDeliveries: settings.RunJobServer);
        services.AddBounces();
        if (settings.RunBounceProcessor)
        {
            services.AddBounceMailboxPoller();
        }
        services.AddJobStorage(runJobServer: settings.RunJobServer);
    }
}

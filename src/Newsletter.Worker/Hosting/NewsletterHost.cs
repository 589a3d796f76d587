using Newsletter.Core.Monitoring;
using Newsletter.Core.Configuration;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Newsletter.Delivery;
using Newsletter.Delivery.Bounces;
using Newsletter.Delivery.Lists;
using Newsletter.Rendering;
using Newsletter.Storage;
using Newsletter.Worker.Bounces;
using Newsletter.Worker.Lists;
using Newsletter.Worker.Monitoring;
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
public sealed record HostSettings(bool RunJobServer, IReadOnlyDictionary<string, string?>? ConfigurationOverrides = null, bool ValidateListsAtStart = false,
    bool RunBounceProcessor = false);

/// <summary>Wires every area of the service into one host. Program.cs and the tests build hosts only through here.</summary>
public static class NewsletterHost
{
    /// <summary>A host for a CLI command: no web server.</summary>
    public static IHost Create(HostSettings settings, string[]? args = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        builder.AddNewsletter(settings);
        return builder.Build();
    }

    public static void AddNewsletter(this IHostApplicationBuilder builder, HostSettings settings)
    {
        if (settings.ConfigurationOverrides is { } overrides)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        // Logs go to stderr so that command output on stdout (e.g. `status --json`) stays machine-readable.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        var services = builder.Services;
        // Replaces the factory every logger comes from, so no provider (console, or any a test or operator adds) sees a token.
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(provider =>
            new RedactingLoggerFactory(ActivatorUtilities.CreateInstance<LoggerFactory>(provider))));
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<NewsletterMetrics>();

        ConfigurationSecrets.AddCheck(services);
        services.AddOptions<IssueOptions>().BindSection(IssueOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddOptions<StoriesOptions>().BindSection(StoriesOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddOptions<JobsOptions>().BindSection(JobsOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddOptions<ScheduleOptions>().BindSection(ScheduleOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScheduleOptions>, ScheduleOptionsValidator>();

        services.AddStore();
        services.AddRendering();
        services.AddDelivery();
        if (settings.ValidateListsAtStart)
        {
            services.AddOptions<ListsOptions>().ValidateOnStart();
        }
        else
        {
            services.RemoveAll<IValidateOptions<ListsOptions>>();
        }

        services.AddOptions<SendingOptions>().BindSection(SendingOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddSingleton<MailConnectionPool>();
        services.AddSingleton(provider => new WorkerHeartbeat(
            provider.GetRequiredService<Newsletter.Core.Deliveries.IWorkerHeartbeats>(), provider,
            provider.GetRequiredService<IOptions<SendingOptions>>(), provider.GetRequiredService<ILogger<WorkerHeartbeat>>())
        {
            RecoversAbandonedClaims = settings.RunJobServer,
        });
        if (settings.RunJobServer)
        {
            // Only processes that claim deliveries need a heartbeat; the others (issue list, status) should not write at all.
            services.AddHostedService(provider => provider.GetRequiredService<WorkerHeartbeat>());
        }
        services.AddSingleton<IssueComposer>();
        services.AddSingleton<MailingListCatalog>();
        services.AddSingleton<RenderedIssueCache>();
        services.AddSingleton<DiskFullErrors>();
        services.AddSingleton<SendHalts>();
        services.AddTransient<SendScheduler>();
        services.AddTransient<SendWatcher>();
        services.AddTransient<IssuePublisher>();
        services.AddTransient<FanOutJob>();
        services.AddTransient<SendBatchJob>();
        services.AddTransient<PublishJob>();
        services.AddBounces();
        if (settings.RunBounceProcessor)
        {
            services.AddHostedService<BounceMailboxPoller>();
        }

        AddJobs(services, settings.RunJobServer);
    }

    private static void AddJobs(IServiceCollection services, bool runJobServer)
    {
        // Our own storage and activator, registered before AddHangfire so its TryAdd keeps them: Hangfire's defaults are
        // process-wide statics, and two hosts in one process (the tests) must not share or overwrite them.
        services.AddSingleton<JobStorage>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<JobsOptions>>().Value;
            var store = provider.GetRequiredService<IOptions<StoreOptions>>().Value;
            return store.Provider == StoreProvider.PostgreSql
                ? PostgreSqlJobStorage(provider.GetRequiredService<StoreDatabase>(), store, options, provider.GetRequiredService<IOptions<SendingOptions>>().Value)
                : SqliteJobStorage(options);
        });
        services.AddSingleton<JobActivator>(provider => new AspNetCoreJobActivator(provider.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire(configuration => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());

        if (runJobServer)
        {
            services.AddHangfireServer((provider, server) =>
            {
                var options = provider.GetRequiredService<IOptions<JobsOptions>>().Value;
                server.WorkerCount = options.WorkerCount;
                server.SchedulePollingInterval = TimeSpan.FromSeconds(options.PollIntervalSeconds);
                server.ServerName = $"newsletter-{Environment.MachineName}-{Environment.ProcessId}";
            });
        }
    }

    private static SQLiteStorage SqliteJobStorage(JobsOptions options)
    {
        var path = Path.GetFullPath(options.StoragePath);
        try
        {
            // Job arguments and state name sends and lists: owner-only, like the delivery log.
            Newsletter.Core.PrivateFiles.CreateDirectory(Path.GetDirectoryName(path)!);
            Newsletter.Core.PrivateFiles.Prepare(path);
            return new SQLiteStorage(path, new SQLiteStorageOptions
            {
                QueuePollInterval = TimeSpan.FromSeconds(options.PollIntervalSeconds),
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Hangfire's SQLite layer throws its own exception types with no file name in them.
            throw new StoreUnavailableException(path,
                $"The job database {path} cannot be opened or created ({ex.Message}). Make its folder and file writable by the user " +
                $"running newsletter (chown or chmod), or set {JobsOptions.SectionName}:StoragePath to a writable place.", ex);
        }
    }

    /// <summary>Hangfire's jobs in the same PostgreSQL database as the store (its own schema, <c>hangfire</c>), shared by every process.</summary>
    private static PostgreSqlStorage PostgreSqlJobStorage(StoreDatabase database, StoreOptions store, JobsOptions options, SendingOptions sending)
    {
        var storageOptions = new PostgreSqlStorageOptions
        {
            // Idle workers poll the queue; Hangfire.PostgreSql's 15 s default would make a send wait that long to start.
            QueuePollInterval = TimeSpan.FromSeconds(options.PollIntervalSeconds),
            // A job fetched by a process that is then killed (kill -9, power loss) stays invisible for this long before another
            // process takes it. The sliding timeout keeps a live worker's job invisible however long it runs, so the timeout can be
            // as short as our own WorkerTimeoutSeconds: the other senders finish a dead one's batches at about the time they
            // resend its in-flight messages, instead of Hangfire's default 30 minutes.
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = TimeSpan.FromSeconds(Math.Max(sending.WorkerTimeoutSeconds, 10)),
            PrepareSchemaIfNecessary = true,
        };
        var connectionString = store.PostgreSqlConnectionString();
        // Hangfire creates its schema when the storage is made; several processes starting at once take turns, as with ours.
        return ((PostgreSqlDatabase)database).WhileMigratingAsync(
                () => new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions),
                CancellationToken.None)
            .GetAwaiter().GetResult();
    }
}

using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Options;
using Newsletter.Delivery.Sending;
using Newsletter.Hosting.Configuration;
using Newsletter.Storage;

namespace Newsletter.Worker.Hosting;

public static class JobsServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates (at start-up) <see cref="JobsOptions"/>, and registers Hangfire over the store's provider (SQLite
    /// beside the store, or PostgreSQL in the store's database) with this host's own storage and activator; with
    /// <paramref name="runJobServer"/>, also a job server in this process. Needs the store and <see cref="SendingOptions"/>.
    /// </summary>
    public static IServiceCollection AddJobStorage(this IServiceCollection services, bool runJobServer)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<JobsOptions>().BindSection(JobsOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
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
        return services;
    }

    private static SQLiteStorage SqliteJobStorage(JobsOptions options)
    {
        var path = Path.GetFullPath(options.StoragePath);
        try
        {
            // Job arguments and state name sends and lists: owner-only, like the delivery log.
            Newsletter.Hosting.PrivateFiles.CreateDirectory(Path.GetDirectoryName(path)!);
            Newsletter.Hosting.PrivateFiles.Prepare(path);
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

using Newsletter.Core.Configuration;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Worker.Sending;

public static class SendJobsServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates (at start-up) <see cref="SendingOptions"/>, and registers what queues, runs and watches a send:
    /// <see cref="SendScheduler"/>, <see cref="SendWatcher"/>, the Hangfire jobs (<see cref="FanOutJob"/>, <see cref="SendBatchJob"/>)
    /// and what they share (<see cref="MailConnectionPool"/>, <see cref="RenderedIssueCache"/>, <see cref="SendHalts"/>,
    /// <see cref="DiskFullErrors"/>, <see cref="WorkerHeartbeat"/>).
    /// </summary>
    /// <param name="claimsDeliveries">
    /// This process runs batch jobs (a job server): it then beats its heartbeat and recovers the claims of workers that died.
    /// The others (issue list, status) never claim a delivery and should not write at all.
    /// </param>
    public static IServiceCollection AddSendJobs(this IServiceCollection services, bool claimsDeliveries)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SendingOptions>().BindSection(SendingOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddSingleton<MailConnectionPool>();
        services.AddSingleton<RenderedIssueCache>();
        services.AddSingleton<DiskFullErrors>();
        services.AddSingleton<SendHalts>();
        services.AddSingleton<WorkerHeartbeat>();
        if (claimsDeliveries)
        {
            services.AddHostedService(provider => provider.GetRequiredService<WorkerHeartbeat>());
        }
        services.AddTransient<SendScheduler>();
        services.AddTransient<SendWatcher>();
        services.AddTransient<FanOutJob>();
        services.AddTransient<SendBatchJob>();
        return services;
    }
}

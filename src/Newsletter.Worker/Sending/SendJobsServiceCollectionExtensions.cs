using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Sending;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Worker.Sending;

public static class SendJobsServiceCollectionExtensions
{
    /// <summary>
    /// Registers what queues, runs and watches a send in this worker: <see cref="SendScheduler"/> (also as the web's
    /// <see cref="ISendControl"/>), <see cref="SendWatcher"/>, the
    /// Hangfire jobs (<see cref="FanOutJob"/>, <see cref="SendBatchJob"/>), what the send engine asks of the worker
    /// (<see cref="RenderedIssueCache"/> as its <see cref="IIssueBodySource"/>, <see cref="DiskFullErrors"/> as its
    /// <see cref="IDiskFullErrors"/>) and the <see cref="WorkerHeartbeat"/>. Needs the engine itself (<c>AddSending()</c>).
    /// </summary>
    /// <param name="claimsDeliveries">
    /// This process runs batch jobs (a job server): it then beats its heartbeat and recovers the claims of workers that died.
    /// The others (issue list, status) never claim a delivery and should not write at all.
    /// </param>
    public static IServiceCollection AddSendJobs(this IServiceCollection services, bool claimsDeliveries)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<RenderedIssueCache>();
        services.AddSingleton<IIssueBodySource>(provider => provider.GetRequiredService<RenderedIssueCache>());
        services.AddSingleton<DiskFullErrors>();
        services.AddSingleton<IDiskFullErrors>(provider => provider.GetRequiredService<DiskFullErrors>());
        services.AddSingleton<WorkerHeartbeat>();
        if (claimsDeliveries)
        {
            services.AddHostedService(provider => provider.GetRequiredService<WorkerHeartbeat>());
            services.AddHostedService(provider => provider.GetRequiredService<HaltRecorder>());
        }
        services.AddTransient<SendScheduler>();
        services.AddTransient<ISendControl>(provider => provider.GetRequiredService<SendScheduler>());
        services.AddTransient<SendWatcher>();
        services.AddTransient<FanOutJob>();
        services.AddTransient<SendBatchJob>();
        services.AddSingleton<BatchLeases>();
        return services;
    }
}

using Newsletter.Delivery.Sending;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Worker.Sending;

public static class SendJobsServiceCollectionExtensions
{
    /// <summary>
    /// Registers what runs and watches a send in this worker: <see cref="SendWatcher"/>, the Hangfire jobs
    /// (<see cref="FanOutJob"/>, <see cref="SendBatchJob"/>), what sending asks of the worker (<see cref="HangfireSendJobQueue"/>
    /// as its <see cref="ISendJobQueue"/>, <see cref="DiskFullErrors"/> as its <see cref="IDiskFullErrors"/>) and the
    /// <see cref="WorkerHeartbeat"/>. Needs sending itself (<c>AddSending()</c>).
    /// </summary>
    /// <param name="claimsDeliveries">
    /// This process runs batch jobs (a job server): it then beats its heartbeat and recovers the claims of workers that died.
    /// The others (issue list, status) never claim a delivery and should not write at all.
    /// </param>
    public static IServiceCollection AddSendJobs(this IServiceCollection services, bool claimsDeliveries)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<ISendJobQueue, HangfireSendJobQueue>();
        services.AddSingleton<DiskFullErrors>();
        services.AddSingleton<IDiskFullErrors>(provider => provider.GetRequiredService<DiskFullErrors>());
        services.AddSingleton<WorkerHeartbeat>();
        if (claimsDeliveries)
        {
            services.AddHostedService(provider => provider.GetRequiredService<WorkerHeartbeat>());
            services.AddHostedService(provider => provider.GetRequiredService<HaltRecorder>());
        }
        services.AddTransient<SendWatcher>();
        services.AddTransient<FanOutJob>();
        services.AddTransient<SendBatchJob>();
        services.AddSingleton<BatchLeases>();
        return services;
    }
}

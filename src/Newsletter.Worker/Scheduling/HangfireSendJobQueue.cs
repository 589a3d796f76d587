using Hangfire;
using Microsoft.Extensions.Options;
using Newsletter.Delivery.Sending;
using Newsletter.Worker.Hosting;

namespace Newsletter.Worker.Scheduling;

/// <summary>The send engine's job queue (<see cref="ISendJobQueue"/>) on Hangfire: a send's fan-out is a <see cref="FanOutJob"/>.</summary>
public sealed class HangfireSendJobQueue(IBackgroundJobClient jobs, IOptions<JobsOptions> options) : ISendJobQueue
{
    public int WorkerCount => options.Value.WorkerCount;

    public void QueueFanOut(long sendId) => jobs.Enqueue<FanOutJob>(job => job.RunAsync(sendId, CancellationToken.None));

    public void ScheduleFanOut(long sendId, DateTimeOffset at) => jobs.Schedule<FanOutJob>(job => job.RunAsync(sendId, CancellationToken.None), at);
}

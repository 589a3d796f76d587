using Hangfire;
using Microsoft.Extensions.Options;
using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Sending;
using Newsletter.Storage;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Worker.Sending;

/// <summary>
/// Keeps this process's claims honoured (a heartbeat in the store), and puts back to work the deliveries whose worker died
/// mid-send (kill -9, power loss): they go back to pending and their send is queued again. The beat-and-recover loop runs only
/// where the host registers it as a hosted service, which it does in job-server processes alone (the only ones that claim
/// deliveries); elsewhere the instance only lends the send engine its <see cref="WorkerId"/> and <c>send --resume</c> its recovery.
/// </summary>
public sealed partial class WorkerHeartbeat(
    IWorkerHeartbeats log, IServiceProvider services, IOptions<SendingOptions> options, TimeProvider clock, ILogger<WorkerHeartbeat> logger)
    : BackgroundService
{
    /// <summary>A third of the shortest worker timeout allowed, so a live worker never misses enough beats to look dead.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>This process's id in claims: host, process id and a random part, since pids are reused.</summary>
    public string WorkerId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Beats now. The send engine also beats under <see cref="WorkerId"/> before each pass's first claim, so a claim is never older than its worker's heartbeat.</summary>
    private Task BeatAsync(CancellationToken cancellationToken) => log.HeartbeatAsync(WorkerId, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await BeatAsync(stoppingToken);
                await RecoverAsync(stoppingToken);
            }
            catch (StoreUnavailableException)
            {
                // The store cannot be reached: StoreOutage logged it once, and logs again when it answers. Not every 2 s.
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogBeatFailed(ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Returns abandoned claims to pending and queues their sends again; returns how many sends were resumed.</summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var sends = await log.RecoverAbandonedClaimsAsync(TimeSpan.FromSeconds(options.Value.WorkerTimeoutSeconds), cancellationToken);
        foreach (var sendId in sends)
        {
            services.GetRequiredService<IBackgroundJobClient>().Enqueue<FanOutJob>(job => job.RunAsync(sendId, CancellationToken.None));
            LogRecovered(sendId);
        }
        return sends.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Send {SendId}: deliveries claimed by a worker that stopped were put back and the send queued again; they are marked uncertain")]
    private partial void LogRecovered(long sendId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker heartbeat failed: {Reason}")]
    private partial void LogBeatFailed(string reason);
}

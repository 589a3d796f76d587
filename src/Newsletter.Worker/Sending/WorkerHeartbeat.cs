using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Sending;
using Newsletter.Storage;

namespace Newsletter.Worker.Sending;

/// <summary>
/// Keeps this process's claims honoured (a heartbeat in the store), and puts back to work the deliveries whose worker died
/// mid-send (kill -9, power loss): they go back to pending and their send is queued again. The beat-and-recover loop runs only
/// where the host registers it as a hosted service, which it does in job-server processes alone (the only ones that claim
/// deliveries); elsewhere the instance only lends the send engine its <see cref="WorkerId"/>. The recovery itself is <see cref="ClaimRecovery"/>.
/// </summary>
public sealed partial class WorkerHeartbeat(
    IWorkerHeartbeats log, IServiceProvider services, TimeProvider clock, ILogger<WorkerHeartbeat> logger)
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
                // Resolved here, not injected: a process that only borrows WorkerId never opens the job storage.
                await services.GetRequiredService<ClaimRecovery>().RecoverAsync(stoppingToken);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker heartbeat failed: {Reason}")]
    private partial void LogBeatFailed(string reason);
}

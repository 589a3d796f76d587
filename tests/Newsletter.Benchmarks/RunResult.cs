namespace Newsletter.Benchmarks;

/// <summary>What one measured run (one fresh process) reports to the parent, as one JSON line on stdout.</summary>
/// <param name="Sent">Deliveries recorded sent in the delivery log.</param>
/// <param name="StartupSeconds">Host start (Hangfire server, options validation), before the clock starts.</param>
/// <param name="PublishSeconds">IssuePublisher.PublishAsync: import, compose, one delivery row per subscriber, fan-out queued.</param>
/// <param name="FirstSentSeconds">From publish start to the first delivery recorded sent (includes the render and Hangfire's pick-up).</param>
/// <param name="AllSentSeconds">From publish start to the last delivery recorded sent: the headline figure.</param>
/// <param name="WatcherSeconds">From publish start until SendWatcher.WaitAsync returned (it polls every 0.5 s).</param>
/// <param name="CpuSeconds">Process CPU time (all threads) from publish start until the watcher returned.</param>
/// <param name="PeakWorkingSetBytes">Process.PeakWorkingSet64 after the send, before any profiling.</param>
/// <param name="WorkingSetAfterStartBytes">Working set once the host had started, before the send.</param>
/// <param name="MessageBytes">One subscriber's message as written on the wire (CRLF line ends).</param>
/// <param name="SinkCpuSeconds">Filled in by the parent: CPU the sink used during this run.</param>
/// <param name="Stages">Per-stage timings from --profile, by name.</param>
/// <param name="Gc">Garbage collector figures right after the send.</param>
internal sealed record RunResult(
    int Subscribers,
    int Sent,
    int Failed,
    double StartupSeconds,
    double PublishSeconds,
    double FirstSentSeconds,
    double AllSentSeconds,
    double WatcherSeconds,
    double CpuSeconds,
    long PeakWorkingSetBytes,
    long WorkingSetAfterStartBytes,
    long MessageBytes,
    double SinkCpuSeconds,
    IReadOnlyList<StageTiming> Stages,
    GcFigures Gc)
{
    public double MessagesPerSecond => Sent / AllSentSeconds;

    public double MegabytesPerSecond => Sent * (double)MessageBytes / AllSentSeconds / 1_000_000;

    public double CpuSecondsPerThousand => CpuSeconds / Sent * 1000;
}

/// <param name="Stage">What was timed.</param>
/// <param name="Items">How many times.</param>
/// <param name="WallMicroseconds">Wall time per item.</param>
/// <param name="CpuMicroseconds">Process CPU time per item.</param>
/// <param name="Note">How it was run (threads, connections).</param>
/// <param name="RetainedBytes">Growth of the managed memory still reachable after a full GC, per item (the stage's own results included).</param>
internal sealed record StageTiming(string Stage, int Items, double WallMicroseconds, double CpuMicroseconds, string Note, double RetainedBytes);

/// <param name="HeapBytes">GC heap size at the last collection before the send ended (what the GC let it grow to).</param>
/// <param name="CommittedBytes">Memory the GC had committed.</param>
/// <param name="RetainedBytes">Managed memory still reachable after a forced, compacting full collection: what the process really holds.</param>
internal sealed record GcFigures(long HeapBytes, long CommittedBytes, long RetainedBytes, int Gen0, int Gen1, int Gen2);

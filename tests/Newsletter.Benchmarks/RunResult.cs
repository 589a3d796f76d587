namespace Newsletter.Benchmarks;

/// <summary>
/// One line of the table: a store, a number of `newsletter run` processes (0: `newsletter send --wait` alone, whole process),
/// DKIM or not, a list size, extra environment, and optionally another build of newsletter.dll (a baseline run beside ours).
/// </summary>
internal sealed record Line(string Label, bool PostgreSql, int Processes, bool Dkim, int Subscribers, int Repeat, IReadOnlyDictionary<string, string> Environment,
    string? Dll = null)
{
    public bool SendWait => Processes == 0;
}

/// <summary>What one measured run reports. Times are seconds from the moment `newsletter send` was started.</summary>
/// <param name="Received">Messages smtp-sink accepted during the run (counted at the server).</param>
/// <param name="Sent">Deliveries recorded sent in the delivery log at the end (`newsletter status --json`).</param>
/// <param name="Failed">Deliveries recorded failed.</param>
/// <param name="Uncertain">Deliveries resent after a worker's claim was taken back (possible duplicates).</param>
/// <param name="SendCommandSeconds">`newsletter send`: one delivery row per subscriber, the send queued; process start included.</param>
/// <param name="FirstAcceptedSeconds">When the sink accepted the first message (includes the workers' pick-up and template compile).</param>
/// <param name="LastAcceptedSeconds">When the sink accepted the last message: the headline figure's clock.</param>
/// <param name="CpuSeconds">CPU of every newsletter process from `send` until the last message: the workers' and the send command's.</param>
/// <param name="SendCommandCpuSeconds">The send command's share of <paramref name="CpuSeconds"/>.</param>
/// <param name="PeakWorkingSetBytes">Per worker process: its peak working set (VmHWM) since it started, read after the send.</param>
/// <param name="WorkingSetAfterStartBytes">Per worker process: working set once it was ready, before the send.</param>
/// <param name="SinkCpuSeconds">CPU the sink used during the run.</param>
/// <param name="LoadAverage">The 1-minute load average at the end of the run.</param>
internal sealed record RunResult(
    int Subscribers,
    int Received,
    int Sent,
    int Failed,
    int Uncertain,
    double SendCommandSeconds,
    double FirstAcceptedSeconds,
    double LastAcceptedSeconds,
    double CpuSeconds,
    double SendCommandCpuSeconds,
    IReadOnlyList<long> PeakWorkingSetBytes,
    IReadOnlyList<long> WorkingSetAfterStartBytes,
    double SinkCpuSeconds,
    double LoadAverage,
    double? ProcessSeconds = null)
{
    public bool Complete => Received >= Subscribers && Sent == Subscribers && Failed == 0;

    /// <summary>For `send --wait`, from the process's start to its exit; otherwise from `send` to the last message.</summary>
    public double MessagesPerSecond => Received / (ProcessSeconds ?? LastAcceptedSeconds);

    /// <summary>From the first message to the last: the rate once the workers are going.</summary>
    public double SteadyMessagesPerSecond => Received > 1 ? (Received - 1) / (LastAcceptedSeconds - FirstAcceptedSeconds) : double.NaN;

    public double CpuSecondsPerThousand => CpuSeconds / Math.Max(Received, 1) * 1000;

    public long LargestPeakWorkingSet => PeakWorkingSetBytes.Max();
}

/// <param name="Stage">What was timed.</param>
/// <param name="Items">How many times.</param>
/// <param name="WallMicroseconds">Wall time per item.</param>
/// <param name="CpuMicroseconds">Process CPU time per item.</param>
/// <param name="Note">How it was run (threads, connections).</param>
/// <param name="RetainedBytes">Growth of the managed memory still reachable after a full GC, per item (the stage's own results included).</param>
internal sealed record StageTiming(string Stage, int Items, double WallMicroseconds, double CpuMicroseconds, string Note, double RetainedBytes);

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Newsletter.Benchmarks;

/// <summary>
/// One measurement with the real executable, as an operator runs it: in a fresh folder (and, for PostgreSQL, a fresh database)
/// `newsletter stories import` and `issue compose` set up the sample week; N `newsletter run` processes start and report
/// healthy; then the clock starts and `newsletter send 1 --list bench` records the deliveries and queues the send, which the
/// workers share. The clock stops when smtp-sink has accepted one message per subscriber. `newsletter status --json` then
/// gives the delivery log's own counts. Nothing here reads a store directly, so both providers are measured the same way.
/// </summary>
internal sealed class PipelineRun(BenchmarkOptions options, PostfixTools sink, PostgreSqlServer? postgres, string dkimKeyFile)
{
    public const string ListName = "bench";
    public const string SampleWeek = "2026-04-06";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(2);

    /// <summary>No message for this long means the send has stopped (a failure, a crash): the run ends and says so.</summary>
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(90);

    /// <summary>Providers whose unhealthy /healthz was reported already (once is enough).</summary>
    private static readonly HashSet<bool> ReportedUnhealthy = [];

    /// <exception cref="InvalidOperationException">A command failed or a worker did not start; the message has its output.</exception>
    public async Task<RunResult> MeasureAsync(Line line, CancellationToken ct)
    {
        if (line.SendWait)
            return await MeasureSendWaitAsync(line, ct);

        var work = NewWorkDirectory();
        string? database = null;
        var workers = new List<NewsletterExecutable.Worker>();
        try
        {
            var settings = Settings(work, line.Subscribers, line.Dkim);
            if (line.PostgreSql)
            {
                database = $"bench_{Guid.NewGuid():N}";
                settings["Newsletter:Store:Provider"] = "PostgreSql";
                settings["Newsletter:Store:ConnectionString"] = await postgres!.CreateDatabaseAsync(database, ct);
            }

            var newsletter = new NewsletterExecutable(work, settings, Merge(options.Environment, line.Environment));
            await newsletter.RunAsync(CommandTimeout, ct, "stories", "import", Path.Combine(RepositoryRoot, "stories"));
            await newsletter.RunAsync(CommandTimeout, ct, "issue", "compose", "--date", SampleWeek);

            for (var p = 0; p < line.Processes; p++)
                workers.Add(newsletter.StartWorker());
            foreach (var worker in workers)
            {
                if (await worker.WaitUntilReadyAsync(ReadyTimeout, ct) is { } unhealthy && ReportedUnhealthy.Add(line.PostgreSql))
                    Console.Error.WriteLine($"  note: newsletter run is up but /healthz says {unhealthy}");
            }

            var workingSetAfterStart = workers.Select(w => w.WorkingSet).ToList();

            var acceptedBefore = sink.Accepted;
            var sinkCpuBefore = sink.SinkCpuSeconds;
            var workersCpuBefore = workers.Sum(w => w.Cpu.TotalSeconds);
            var reapedCpuBefore = Native.ReapedChildrenCpu();
            var start = Stopwatch.GetTimestamp();
            await newsletter.RunAsync(TimeSpan.FromSeconds(120 + line.Subscribers / 200.0), ct, "send", "1", "--list", ListName);
            var sendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var sendCpu = (Native.ReapedChildrenCpu() - reapedCpuBefore).TotalSeconds;

            var complete = await sink.WaitForAcceptedAsync(acceptedBefore + line.Subscribers, Stall, () => workers.All(w => !w.HasExited), ct);
            var cpu = workers.Sum(w => w.Cpu.TotalSeconds) - workersCpuBefore + sendCpu;
            var peaks = workers.Select(w => w.PeakWorkingSet).ToList();
            var sinkCpu = sink.SinkCpuSeconds - sinkCpuBefore;
            var received = sink.Accepted - acceptedBefore;
            double Seconds(int index) => (sink.AcceptedAt(acceptedBefore + index) - start) / (double)Stopwatch.Frequency;
            var (first, last) = received > 0 ? (Seconds(0), Seconds(received - 1)) : (double.NaN, double.NaN);

            if (!complete)
            {
                Console.Error.WriteLine($"  {line.Label}: the sink received {received:N0} of {line.Subscribers:N0} messages and then nothing for " +
                                        $"{Stall.TotalSeconds:F0} s (or a worker exited). The workers' last output:");
                foreach (var worker in workers)
                    Console.Error.WriteLine($"  --- newsletter run (pid {worker.Process.Id}{(worker.HasExited ? $", exited {worker.Process.ExitCode}" : "")}):{Environment.NewLine}{worker.RecentOutput}");
            }

            var (sent, failed, uncertain) = await DeliveryLogCountsAsync(newsletter, waitForFinish: complete, ct);
            return new RunResult(line.Subscribers, received, sent, failed, uncertain, sendSeconds, first, last, cpu, sendCpu,
                peaks, workingSetAfterStart, sinkCpu, LoadAverage.OneMinute);
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.StopAsync(TimeSpan.FromSeconds(15));
                worker.Dispose();
            }

            if (database is not null)
                await DropQuietlyAsync(database);
            DeleteQuietly(work);
        }
    }

    /// <summary>
    /// `newsletter send 1 --list bench --wait` alone, as an operator without a `run` process sends: the clock covers the whole
    /// process, start-up to exit; CPU and peak resident set are the process's own (/usr/bin/time). Before it, the same folder
    /// sends the issue once to a one-reader list, so the templates have been compiled once (what a disk cache may keep).
    /// </summary>
    private async Task<RunResult> MeasureSendWaitAsync(Line line, CancellationToken ct)
    {
        var work = NewWorkDirectory();
        string? database = null;
        try
        {
            var settings = Settings(work, line.Subscribers, line.Dkim);
            var warm = Path.Combine(work, "warm.csv");
            await File.WriteAllTextAsync(warm, "email,name\nwarm@example.com,Warm\n", ct);
            settings["Newsletter:Lists:warm:DisplayName"] = "Warm-up";
            settings["Newsletter:Lists:warm:SubscribersFile"] = warm;
            if (line.PostgreSql)
            {
                database = $"bench_{Guid.NewGuid():N}";
                settings["Newsletter:Store:Provider"] = "PostgreSql";
                settings["Newsletter:Store:ConnectionString"] = await postgres!.CreateDatabaseAsync(database, ct);
            }

            var newsletter = new NewsletterExecutable(work, settings, Merge(options.Environment, line.Environment), line.Dll);
            await newsletter.RunAsync(CommandTimeout, ct, "stories", "import", Path.Combine(RepositoryRoot, "stories"));
            await newsletter.RunAsync(CommandTimeout, ct, "issue", "compose", "--date", SampleWeek);
            await newsletter.RunAsync(CommandTimeout, ct, "send", "1", "--list", "warm", "--wait");

            var acceptedBefore = sink.Accepted;
            var sinkCpuBefore = sink.SinkCpuSeconds;
            var start = Stopwatch.GetTimestamp();
            // Generous: on a machine shared with other work a run may take many times its quiet time, and a cut run measures nothing.
            var (wall, cpu, peak) = await newsletter.RunTimedAsync(SendWaitTimeout(line.Subscribers), ct, "send", "1", "--list", ListName, "--wait");
            var complete = await sink.WaitForAcceptedAsync(acceptedBefore + line.Subscribers, TimeSpan.FromSeconds(5), () => true, ct);
            var received = sink.Accepted - acceptedBefore;
            double Seconds(int index) => (sink.AcceptedAt(acceptedBefore + index) - start) / (double)Stopwatch.Frequency;
            var (first, last) = received > 0 ? (Seconds(0), Seconds(received - 1)) : (double.NaN, double.NaN);
            var (sent, failed, uncertain) = await DeliveryLogCountsAsync(newsletter, waitForFinish: complete, ct);
            // The issue's counts include the warm-up's one message.
            return new RunResult(line.Subscribers, received, sent - 1, failed, uncertain, wall, first, last, cpu, cpu, [peak], [0],
                sink.SinkCpuSeconds - sinkCpuBefore, LoadAverage.OneMinute, ProcessSeconds: wall);
        }
        finally
        {
            if (database is not null)
                await DropQuietlyAsync(database);
            DeleteQuietly(work);
        }
    }

    /// <summary>
    /// The sample issue as one subscriber gets it, as on the wire: `newsletter send --wait` through the pickup transport into a
    /// folder, the .eml read back with CRLF line ends. smtp-source sends bodies of its size; the ceiling client sends it.
    /// </summary>
    public async Task<byte[]> MessageAsync(bool dkim, CancellationToken ct)
    {
        var work = NewWorkDirectory();
        try
        {
            var settings = Settings(work, 1, dkim);
            var outbox = Path.Combine(work, "outbox");
            settings["Newsletter:Delivery:Transport"] = "Pickup";
            settings["Newsletter:Delivery:PickupDirectory"] = outbox;
            var newsletter = new NewsletterExecutable(work, settings, options.Environment);
            await newsletter.RunAsync(CommandTimeout, ct, "stories", "import", Path.Combine(RepositoryRoot, "stories"));
            await newsletter.RunAsync(CommandTimeout, ct, "issue", "compose", "--date", SampleWeek);
            await newsletter.RunAsync(CommandTimeout, ct, "send", "1", "--list", ListName, "--wait");
            var file = Directory.EnumerateFiles(outbox, "*.eml", SearchOption.AllDirectories).FirstOrDefault()
                       ?? throw new InvalidOperationException($"newsletter send --wait wrote no .eml into {outbox}.");
            var text = System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file, ct));
            return System.Text.Encoding.Latin1.GetBytes(text.ReplaceLineEndings("\r\n"));
        }
        finally
        {
            DeleteQuietly(work);
        }
    }

    /// <summary>How long `send --wait` may take before the run is given up: 10 minutes plus 40 ms per reader (25 msg/s).</summary>
    public static TimeSpan SendWaitTimeout(int subscribers) => TimeSpan.FromSeconds(600 + subscribers / 25.0);

    /// <summary>Sets up the sample week in a fresh SQLite folder for the in-process stage profile (see <see cref="StageProfile"/>).</summary>
    public async Task<(string Work, Dictionary<string, string?> Settings)> PrepareProfileAsync(CancellationToken ct)
    {
        var work = NewWorkDirectory();
        var settings = Settings(work, Math.Min(options.Subscribers, 2_000), dkim: false);
        var newsletter = new NewsletterExecutable(work, settings, options.Environment);
        await newsletter.RunAsync(CommandTimeout, ct, "stories", "import", Path.Combine(RepositoryRoot, "stories"));
        await newsletter.RunAsync(CommandTimeout, ct, "issue", "compose", "--date", SampleWeek);
        return (work, settings);
    }

    /// <summary>The delivery log's counts, from `newsletter status 1 --json`, after the send has been recorded finished (60 s at most).</summary>
    private static async Task<(int Sent, int Failed, int Uncertain)> DeliveryLogCountsAsync(NewsletterExecutable newsletter, bool waitForFinish, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            // The JSON object is the output's last part (the host may log a line before it).
            var output = await newsletter.RunAsync(CommandTimeout, ct, "status", "1", "--json");
            var start = output.IndexOf("\n{", StringComparison.Ordinal) + 1;
            using var json = JsonDocument.Parse(output[start..]);
            var root = json.RootElement;
            var counts = (root.GetProperty("sent").GetInt32(), root.GetProperty("failed").GetInt32(), root.GetProperty("uncertain").GetInt32());
            if (!waitForFinish || root.GetProperty("finished").GetBoolean() || deadline.Elapsed > TimeSpan.FromSeconds(60))
                return counts;
            await Task.Delay(500, ct);
        }
    }

    /// <summary>The settings of the end-to-end tests, pointed at the sink, with a CSV list of generated subscribers.</summary>
    private Dictionary<string, string?> Settings(string work, int subscribers, bool dkim)
    {
        File.Copy(Path.Combine(RepositoryRoot, "appsettings.json"), Path.Combine(work, "appsettings.json"));
        var csv = Path.Combine(work, $"{ListName}.csv");
        using (var writer = new StreamWriter(csv))
        {
            writer.WriteLine("email,name");
            for (var i = 0; i < subscribers; i++)
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reader{i:D7}@example.com,Reader {i}"));
        }

        var connections = options.Connections.ToString(CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, string?>
        {
            ["Newsletter:Store:Path"] = Path.Combine(work, "newsletter.db"),
            ["Newsletter:Jobs:StoragePath"] = Path.Combine(work, "hangfire.db"),
            ["Newsletter:Jobs:WorkerCount"] = connections,
            ["Newsletter:Sending:Connections"] = connections,
            ["Newsletter:Stories:Directory"] = Path.Combine(RepositoryRoot, "stories"),
            ["Newsletter:Rendering:TemplatesDirectory"] = Path.Combine(RepositoryRoot, "templates"),
            ["Newsletter:Unsubscribe:SecretKey"] = "a-benchmark-secret-that-is-long-enough-0123456789",
            ["Newsletter:Unsubscribe:KeyFile"] = Path.Combine(work, "unsubscribe.key"),
            ["Newsletter:Delivery:Transport"] = "Smtp",
            ["Newsletter:Delivery:BatchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["Newsletter:Delivery:Smtp:Host"] = "127.0.0.1",
            ["Newsletter:Delivery:Smtp:Port"] = sink.Port.ToString(CultureInfo.InvariantCulture),
            ["Newsletter:Delivery:Smtp:Security"] = "None",
            ["Newsletter:Schedule:Enabled"] = "false",
            [$"Newsletter:Lists:{ListName}:DisplayName"] = "Benchmark readers",
            [$"Newsletter:Lists:{ListName}:SubscribersFile"] = csv,
        };
        if (dkim)
        {
            settings["Newsletter:Dkim:Enabled"] = "true";
            settings["Newsletter:Dkim:PrivateKeyPath"] = dkimKeyFile;
        }

        foreach (var (key, value) in options.Settings)
            settings[key] = value;
        return settings;
    }

    private async Task DropQuietlyAsync(string database)
    {
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await postgres!.DropDatabaseAsync(database, limit.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            Console.Error.WriteLine($"  could not drop database {database}: {e.Message} (run.sh removes its cluster at exit)");
        }
    }

    public static string NewWorkDirectory()
    {
        var work = Path.Combine(Path.GetTempPath(), "newsletter-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        return work;
    }

    public static void DeleteQuietly(string work)
    {
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a stopping process; the OS cleans the temp folder.
        }
    }

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> first, IReadOnlyDictionary<string, string> second)
    {
        var merged = new Dictionary<string, string>(first);
        foreach (var (key, value) in second)
            merged[key] = value;
        return merged;
    }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Newsletter.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"No Newsletter.sln above {AppContext.BaseDirectory}: run the benchmark from its build output in the repository.");
    }
}

/// <summary>The machine's load average: other busy processes change every figure, and this says how quiet it was.</summary>
internal static class LoadAverage
{
    public static string Text => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    public static double OneMinute =>
        File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load)
            ? load
            : double.NaN;
}

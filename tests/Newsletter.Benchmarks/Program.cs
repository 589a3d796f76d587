using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Newsletter.Benchmarks;

// A benchmark is a program that prints figures: medians of several runs, and a ratio to a baseline measured in the same run.
// It never fails on timing; it exits 1 when a run did not deliver to everyone, 2 when something it needs is missing.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args.FirstOrDefault() == "--store")
    return await StoreBenchmark.RunAsync(args);
if (args.FirstOrDefault() == "--migration")
    return await MigrationBenchmark.RunAsync(args);
if (args.FirstOrDefault() == "--lists")
    return await ListsBenchmark.RunAsync(args);
BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchmarkOptions.Usage);
    return 0;
}

if (options.ProfileIn is not null)
    return await StageProfile.RunChildAsync(options);

// Ctrl-C or SIGTERM cancels every wait; the finally blocks then stop the workers, the sink, drop the databases and delete the folders.
using var stop = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
void Cancel(PosixSignalContext context)
{
    context.Cancel = true; // exit through the finally blocks, not at once
    Console.Error.WriteLine("Stopping: cleaning up the workers, the sink and the temporary folders…");
    stop.Cancel();
}

PostfixTools? postfix = null;
var keyFolder = PipelineRun.NewWorkDirectory();
try
{
    if (!File.Exists(NewsletterExecutable.Dll))
        throw new InvalidOperationException($"{NewsletterExecutable.Dll} is missing: build tests/Newsletter.Benchmarks (run.sh does), which copies the newsletter executable beside it.");
    var lines = Plan(options, out var skipped);
    if (lines.Count == 0 && !options.Ceiling)
        throw new InvalidOperationException($"Nothing to run: {string.Join("; ", skipped)}");

    postfix = await PostfixTools.StartSinkAsync();
    // A throwaway DKIM key (PKCS#8 PEM, as `openssl genpkey` writes), in a folder deleted at the end.
    var dkimKey = Path.Combine(keyFolder, "dkim.pem");
    using (var rsa = RSA.Create(2048))
        await File.WriteAllTextAsync(dkimKey, rsa.ExportPkcs8PrivateKeyPem(), stop.Token);
    var postgres = options.PostgreSql is null ? null : PostgreSqlServer.At(options.PostgreSql);
    var pipeline = new PipelineRun(options, postfix, postgres, dkimKey);

    Console.WriteLine($"Newsletter benchmark: the `newsletter` executable into smtp-sink on {postfix.Endpoint}, {options.Connections} connections per process, " +
                      $"batch size {options.BatchSize}; {RuntimeInformation.FrameworkDescription}; {Environment.ProcessorCount} cores" +
                      (postgres is null ? "" : $"; PostgreSQL at {postgres.Describe()}"));
    foreach (var (key, value) in options.Settings)
        Console.WriteLine($"  setting {key}={value}");
    foreach (var (key, value) in options.Environment)
        Console.WriteLine($"  environment {key}={value}");
    foreach (var note in skipped)
        Console.WriteLine($"  skipped: {note}");
    Console.WriteLine($"  load average at start: {LoadAverage.Text}");

    var messages = new Dictionary<bool, byte[]>();
    foreach (var dkim in lines.Select(l => l.Dkim).Append(false).Distinct())
        messages[dkim] = await pipeline.MessageAsync(dkim, stop.Token);
    var sizes = messages.ToDictionary(m => m.Key, m => m.Value.Length);
    var ceiling = new List<(double Ceiling, double Source)>();

    var results = lines.ToDictionary(l => l, _ => new List<(RunResult Ours, double Baseline)>());
    // Runs interleave across lines (a run of each, then the next round), so a burst of load elsewhere touches all lines alike;
    // each of our runs is followed by smtp-source sending as many messages of the same size over as many connections.
    var rounds = Math.Max(lines.Select(l => l.Repeat).DefaultIfEmpty(0).Max(), options.Ceiling ? options.Repeat : 0);
    for (var round = 1; round <= rounds; round++)
    {
        foreach (var line in lines.Where(l => l.Repeat >= round))
        {
            var ours = await pipeline.MeasureAsync(line, stop.Token);
            var source = await postfix.RunSourceAsync(line.Subscribers, sizes[line.Dkim], options.Connections,
                PipelineRun.SendWaitTimeout(line.Subscribers), stop.Token);
            var baseline = line.Subscribers / source.TotalSeconds;
            results[line].Add((ours, baseline));
            Console.WriteLine($"  {line.Label}, run {round}: {ours.Received:N0} received at the sink, delivery log {ours.Sent:N0} sent / {ours.Failed} failed / " +
                              $"{ours.Uncertain} uncertain; {ours.MessagesPerSecond:F0} msg/s (send command {ours.SendCommandSeconds:F2} s, first message at " +
                              $"{ours.FirstAcceptedSeconds:F2} s, last at {ours.LastAcceptedSeconds:F2} s); CPU {ours.CpuSeconds:F1} s; peak WS " +
                              $"{string.Join(" + ", ours.PeakWorkingSetBytes.Select(b => Mb(b).ToString("F0", CultureInfo.InvariantCulture)))} MB; " +
                              $"smtp-source {baseline:F0} msg/s; load {ours.LoadAverage:F2}");
        }

        if (options.Ceiling && round <= options.Repeat)
        {
            // The ceiling line: the same message, raw sockets, no MailKit and no store; then smtp-source beside it.
            var wall = await Task.Run(() => CeilingClient.Run(postfix.EndPoint, messages[false], options.Subscribers, options.Connections, stop.Token), stop.Token);
            var source = await postfix.RunSourceAsync(options.Subscribers, sizes[false], options.Connections, PipelineRun.SendWaitTimeout(options.Subscribers), stop.Token);
            ceiling.Add((options.Subscribers / wall.TotalSeconds, options.Subscribers / source.TotalSeconds));
            Console.WriteLine($"  ceiling (.NET raw sockets), run {round}: {ceiling[^1].Ceiling:F0} msg/s; smtp-source {ceiling[^1].Source:F0} msg/s; load {LoadAverage.OneMinute:F2}");
        }
    }

    Console.WriteLine($"  load average at end: {LoadAverage.Text}");
    Report(options, lines, results, sizes);
    Targets.Print(options, lines, results, ceiling);

    if (options.Profile)
    {
        var stages = await ProfileAsync(options, pipeline, postfix, stop.Token);
        PrintStages(stages);
    }

    return results.Values.SelectMany(r => r).All(r => r.Ours.Complete) ? 0 : 1;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (TimeoutException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("Stopped.");
    return 130;
}
finally
{
    ChildProcesses.KillAll();
    postfix?.Dispose();
    PipelineRun.DeleteQuietly(keyFolder);
}

static List<Line> Plan(BenchmarkOptions options, out List<string> skipped)
{
    skipped = [];
    var none = new Dictionary<string, string>();
    var lines = new List<Line>();
    foreach (var name in options.Lines)
    {
        var postgreSql = name is "postgresql" or "scaling" or "wait-postgresql";
        if (postgreSql && options.PostgreSql is null)
        {
            skipped.Add($"the {name} line needs a PostgreSQL server (--postgres CONNECTION-STRING; run.sh starts a throwaway one when " +
                        "/usr/lib/postgresql/*/bin/initdb exists, or installs the postgresql package for a full run)");
            continue;
        }

        switch (name)
        {
            case "sqlite":
                lines.Add(new Line("SQLite", false, 1, false, options.Subscribers, options.Repeat, none));
                lines.AddRange(options.Variants.Select(v => new Line($"SQLite, {v.Label}", false, 1, false, options.Subscribers, options.Repeat, v.Environment)));
                break;
            case "sqlite-dkim":
                lines.Add(new Line("SQLite + DKIM", false, 1, true, options.Subscribers, options.Repeat, none));
                break;
            case "postgresql":
                lines.Add(new Line("PostgreSQL", true, 1, false, options.Subscribers, options.Repeat, none));
                break;
            case "scaling":
                foreach (var processes in options.Processes)
                {
                    if (processes == 1 && options.Lines.Contains("postgresql"))
                        continue; // the PostgreSQL line is the one-process point
                    lines.Add(new Line($"PostgreSQL, {processes} process{(processes == 1 ? "" : "es")}", true, processes, false, options.Subscribers, options.Repeat, none));
                }

                break;
            case "memory":
                lines.Add(new Line($"SQLite, {options.MemorySubscribers:N0} subscribers", false, 1, false, options.MemorySubscribers, options.MemoryRepeat, none));
                break;
            case "wait" or "wait-dkim" or "wait-postgresql" or "wait-memory":
                var label = name switch
                {
                    "wait" => "send --wait, SQLite",
                    "wait-dkim" => "send --wait, SQLite + DKIM",
                    "wait-postgresql" => "send --wait, PostgreSQL",
                    _ => $"send --wait, SQLite, {options.MemorySubscribers:N0}",
                };
                var (count, repeat) = name == "wait-memory" ? (options.MemorySubscribers, options.MemoryRepeat) : (options.Subscribers, options.Repeat);
                lines.Add(new Line(label, postgreSql, 0, name == "wait-dkim", count, repeat, none));
                if (options.BaselineDll is { } baseline)
                    lines.Add(new Line(label + " (baseline)", postgreSql, 0, name == "wait-dkim", count, repeat, none, baseline));
                break;
        }
    }

    return lines;
}

static void Report(BenchmarkOptions options, List<Line> lines, Dictionary<Line, List<(RunResult Ours, double Baseline)>> results, Dictionary<bool, int> sizes)
{
    Console.WriteLine();
    Console.WriteLine($"message size on the wire: {sizes.GetValueOrDefault(false):N0} bytes" +
                      (sizes.TryGetValue(true, out var signed) ? $", {signed:N0} with DKIM" : "") +
                      $" (the sample issue for one subscriber; smtp-source sends bodies of the same size, -s {options.Connections} -d)");
    Console.WriteLine("medians over the runs; every figure is counted at smtp-sink, which stamps each message it accepts; msg/s is from starting " +
                      "`newsletter send` to the last message; \"smtp-source\" is its rate in the runs beside ours");
    Console.WriteLine();
    var header = $"{"line",-40}{"subscribers",12}{"runs",5}{"msg/s",8}{"steady",8}{"smtp-source",12}{"ratio",7}{"steady r.",10}{"CPU s/1000",11}{"peak WS MB",11}{"first s",8}{"load",6}";
    Console.WriteLine(header);
    Console.WriteLine(new string('-', header.Length));
    foreach (var line in lines)
    {
        var runs = results[line];
        var rate = Median(runs.Select(r => r.Ours.MessagesPerSecond));
        var baseline = Median(runs.Select(r => r.Baseline));
        Console.WriteLine($"{line.Label,-40}{line.Subscribers,12:N0}{runs.Count,5}{rate,8:F0}{Median(runs.Select(r => r.Ours.SteadyMessagesPerSecond)),8:F0}" +
                          $"{baseline,12:F0}{Median(runs.Select(r => r.Ours.MessagesPerSecond / r.Baseline)),7:F2}" +
                          $"{Median(runs.Select(r => r.Ours.SteadyMessagesPerSecond / r.Baseline)),10:F2}" +
                          $"{Median(runs.Select(r => r.Ours.CpuSecondsPerThousand)),11:F2}{Median(runs.Select(r => Mb(r.Ours.LargestPeakWorkingSet))),11:F0}" +
                          $"{Median(runs.Select(r => r.Ours.FirstAcceptedSeconds)),8:F2}{Median(runs.Select(r => r.Ours.LoadAverage)),6:F1}");
    }

    Console.WriteLine();
    Console.WriteLine("columns: steady = msg/s from the first message to the last (without start-up); ratio = msg/s / smtp-source's, per run, median; " +
                      "CPU s/1000 = CPU of every newsletter process (workers and the send command) per 1,000 messages; peak WS = the largest " +
                      "worker's peak working set (VmHWM) since it started; load = 1-minute load average at the end of the runs");
    Console.WriteLine($"targets (issue #8): ratio >= 0.50 at 4 connections; CPU <= 1.00 s per 1,000; peak WS <= 200 MB at 10,000 subscribers, and within 10% of that at 200,000");
    Console.WriteLine("targets (issue #17, the `send --wait` lines: msg/s and CPU over the whole process, start to exit; peak WS = its peak resident set " +
                      "from /usr/bin/time; first s = first message at the sink after the process started): ratio >= 0.50, steady ratio >= 0.65 " +
                      "(SQLite and PostgreSQL); CPU <= 0.60 s per 1,000; first message <= 1.5 s once the templates were compiled once; peak <= 150 MB " +
                      "at 30,000 and <= +10% at 300,000");
    var plain = lines.FirstOrDefault(l => l is { SendWait: true, Dkim: false, PostgreSql: false, Dll: null } && l.Subscribers == options.Subscribers);
    var dkimLine = lines.FirstOrDefault(l => l is { SendWait: true, Dkim: true, Dll: null });
    if (plain is not null && dkimLine is not null)
    {
        var extra = (Median(results[dkimLine].Select(r => r.Ours.CpuSeconds / r.Ours.Received)) - Median(results[plain].Select(r => r.Ours.CpuSeconds / r.Ours.Received))) * 1000;
        Console.WriteLine($"DKIM adds {extra:F2} ms CPU per message (send --wait, whole process, medians; target <= 0.40); {OpenSsl.Rsa2048Line()}");
    }
    var bigWait = lines.FirstOrDefault(l => l is { SendWait: true, Dll: null } && l.Subscribers == options.MemorySubscribers && l.Subscribers != options.Subscribers);
    if (plain is not null && bigWait is not null)
    {
        var smallPeak = Median(results[plain].Select(r => Mb(r.Ours.LargestPeakWorkingSet)));
        var largePeak = Median(results[bigWait].Select(r => Mb(r.Ours.LargestPeakWorkingSet)));
        Console.WriteLine($"send --wait peak resident set: {smallPeak:F0} MB at {plain.Subscribers:N0}, {largePeak:F0} MB at {bigWait.Subscribers:N0} ({(largePeak / smallPeak - 1) * 100:+0;-0}%)");
    }
    foreach (var baselineLine in lines.Where(l => l.Dll is not null))
    {
        var ours = lines.First(l => l.Label + " (baseline)" == baselineLine.Label);
        double Ratio(Func<RunResult, double> figure) => Median(results[ours].Zip(results[baselineLine], (o, b) => figure(o.Ours) / figure(b.Ours)));
        Console.WriteLine($"  {ours.Label} / its baseline, run by run (medians): msg/s x{Ratio(r => r.MessagesPerSecond):F2}, steady x{Ratio(r => r.SteadyMessagesPerSecond):F2}, " +
                          $"CPU per message x{Ratio(r => r.CpuSeconds / r.Received):F2}, peak x{Ratio(r => r.LargestPeakWorkingSet):F2}, first message x{Ratio(r => r.FirstAcceptedSeconds):F2}");
    }

    foreach (var line in lines)
    {
        var runs = results[line].Select(r => r.Ours).ToList();
        Console.WriteLine($"  {line.Label}: send command {Median(runs.Select(r => r.SendCommandSeconds)):F2} s ({Median(runs.Select(r => r.SendCommandCpuSeconds)):F2} s CPU); " +
                          $"first message at {Median(runs.Select(r => r.FirstAcceptedSeconds)):F2} s, last at {Median(runs.Select(r => r.LastAcceptedSeconds)):F2} s; " +
                          $"working set when ready {Median(runs.Select(r => Mb(r.WorkingSetAfterStartBytes.Max()))):F0} MB; sink CPU {Median(runs.Select(r => r.SinkCpuSeconds / r.LastAcceptedSeconds * 100)):F0}%" +
                          (line.Processes > 1 ? $"; peak WS per process {string.Join(" / ", Enumerable.Range(0, line.Processes).Select(p => Median(runs.Select(r => Mb(r.PeakWorkingSetBytes[p]))).ToString("F0", CultureInfo.InvariantCulture)))} MB" : ""));
    }

    var scaling = lines.Where(l => l.PostgreSql && !l.Dkim && l.Environment.Count == 0 && l.Subscribers == options.Subscribers).OrderBy(l => l.Processes).ToList();
    if (scaling.Count > 1)
    {
        Console.WriteLine($"scaling on PostgreSQL, {string.Join(" / ", scaling.Select(l => l.Processes))} processes: " +
                          $"{string.Join(" / ", scaling.Select(l => Median(results[l].Select(r => r.Ours.MessagesPerSecond)).ToString("F0", CultureInfo.InvariantCulture)))} msg/s, " +
                          $"{string.Join(" / ", scaling.Select(l => Median(results[l].Select(r => r.Ours.CpuSecondsPerThousand)).ToString("F2", CultureInfo.InvariantCulture)))} CPU s/1000. " +
                          $"On {Environment.ProcessorCount} cores, with the sink on the same machine, more processes cannot send faster: this measures what sharing a send " +
                          "costs (each process starts and polls Hangfire; claims contend; the rendering is read from the store), not a speed-up.");
    }

    var small = lines.FirstOrDefault(l => l is { Label: "SQLite" });
    var large = lines.FirstOrDefault(l => !l.PostgreSql && l.Subscribers == options.MemorySubscribers && l.Environment.Count == 0 && !l.Dkim && l != small);
    if (small is not null && large is not null)
    {
        var smallPeak = Median(results[small].Select(r => Mb(r.Ours.LargestPeakWorkingSet)));
        var largePeak = Median(results[large].Select(r => Mb(r.Ours.LargestPeakWorkingSet)));
        Console.WriteLine($"memory: peak working set {smallPeak:F0} MB at {small.Subscribers:N0} subscribers, {largePeak:F0} MB at {large.Subscribers:N0} " +
                          $"({(largePeak / smallPeak - 1) * 100:+0;-0}%)");
    }
}

static async Task<List<StageTiming>> ProfileAsync(BenchmarkOptions options, PipelineRun pipeline, PostfixTools postfix, CancellationToken ct)
{
    // One extra process: the host in-process, on a store set up by the real executable, each stage timed on its own.
    var (work, settings) = await pipeline.PrepareProfileAsync(ct);
    try
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable is running.");
        var start = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(typeof(PipelineRun).Assembly.Location);
        foreach (var argument in new[] { "--profile-in", work, "--subscribers", options.Subscribers.ToString(CultureInfo.InvariantCulture),
                     "--connections", options.Connections.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(argument);
        // The host's Information logs (one line per render) would interleave with the table.
        foreach (var (key, value) in settings.Append(new("Logging:LogLevel:Default", "Warning")))
        {
            start.ArgumentList.Add("--set");
            start.ArgumentList.Add($"{key}={value}");
        }

        using var child = ChildProcesses.Start(start);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromMinutes(20));
        var output = await child.StandardOutput.ReadToEndAsync(limit.Token);
        await child.WaitForExitAsync(limit.Token);
        ChildProcesses.Forget(child);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(StageProfile.ResultPrefix, StringComparison.Ordinal))
                   ?? throw new InvalidOperationException($"The profiling process exited with {child.ExitCode} without a result:{Environment.NewLine}{output}");
        return JsonSerializer.Deserialize<List<StageTiming>>(line[StageProfile.ResultPrefix.Length..])!;
    }
    finally
    {
        PipelineRun.DeleteQuietly(work);
    }
}

static void PrintStages(List<StageTiming> stages)
{
    Console.WriteLine();
    Console.WriteLine("stages on their own (--profile, one process, warm; \"kept\" = reachable memory added per item, the stage's own results included):");
    Console.WriteLine($"  {"stage",-56}{"items",7}{"wall µs/item",14}{"CPU µs/item",13}{"kept B/item",13}  how");
    foreach (var stage in stages)
        Console.WriteLine($"  {stage.Stage,-56}{stage.Items,7}{stage.WallMicroseconds,14:F1}{stage.CpuMicroseconds,13:F1}{stage.RetainedBytes,13:F0}  {stage.Note}");
}

static double Mb(long bytes) => bytes / 1_048_576.0;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
    if (sorted.Length == 0)
        return double.NaN;
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

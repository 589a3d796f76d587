using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text.Json;
using Newsletter.Benchmarks;

// A benchmark is a program that prints figures: medians of several runs, and a ratio to a baseline measured in the same run.
// It never fails on timing; it exits 1 only when a run did not deliver to everyone.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args.FirstOrDefault() == "--store")
    return await StoreBenchmark.RunAsync(args);
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

if (options.ChildOf is not null)
    return await PipelineRun.RunAsync(options);

PostfixTools? postfix = null;
try
{
    if (options.Smtp is null)
        postfix = await PostfixTools.StartSinkAsync();
    var server = options.Smtp ?? postfix!.Endpoint;

    Console.WriteLine($"Newsletter benchmark: {options.Subscribers:N0} subscribers, {options.Connections} connections, batch size {options.BatchSize}, " +
                      $"{options.Repeat} run(s) each, medians; {(GCSettings.IsServerGC ? "server" : "workstation")} GC; {RuntimeInformation.FrameworkDescription}; " +
                      $"{Environment.ProcessorCount} cores; SMTP server {(postfix is null ? server : "smtp-sink " + server)}");
    foreach (var (key, value) in options.Settings)
        Console.WriteLine($"  setting {key}={value}");
    // Other processes on the machine take cores from both sides; the load average says how quiet it was.
    Console.WriteLine($"  load average at start: {LoadAverage()}");

    var ours = new List<RunResult>();
    var baseline = new List<TimeSpan>();
    var baselineSinkCpu = new List<double>();
    for (var run = 1; run <= options.Repeat; run++)
    {
        var sinkCpu = postfix?.SinkCpuSeconds ?? 0;
        var result = await RunChildAsync(options, server);
        result = result with { SinkCpuSeconds = (postfix?.SinkCpuSeconds ?? 0) - sinkCpu };
        ours.Add(result);
        Console.WriteLine($"  run {run}: ours {result.Sent:N0} sent, {result.Failed} failed, {result.MessagesPerSecond:F0} msg/s, " +
                          $"publish {result.PublishSeconds:F2} s, first sent at {result.FirstSentSeconds:F2} s, last at {result.AllSentSeconds:F2} s, " +
                          $"CPU {result.CpuSeconds:F1} s, peak WS {Mb(result.PeakWorkingSetBytes):F0} MB");

        if (postfix is not null)
        {
            sinkCpu = postfix.SinkCpuSeconds;
            var elapsed = await postfix.RunSourceAsync(options.Subscribers, (int)result.MessageBytes, options.Connections);
            baseline.Add(elapsed);
            baselineSinkCpu.Add(postfix.SinkCpuSeconds - sinkCpu);
            Console.WriteLine($"  run {run}: smtp-source {options.Subscribers / elapsed.TotalSeconds:F0} msg/s ({elapsed.TotalSeconds:F2} s)");
        }
    }

    Console.WriteLine($"  load average at end: {LoadAverage()}");
    Report(options, ours, baseline, baselineSinkCpu);
    return ours.All(r => r.Sent == options.Subscribers && r.Failed == 0) ? 0 : 1;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
finally
{
    postfix?.Dispose();
}

static async Task<RunResult> RunChildAsync(BenchmarkOptions options, string server)
{
    // A fresh process per run: the peak working set is that run's alone, and the templates compile as in a real publish.
    var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable is running.");
    var start = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = true };
    if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        start.ArgumentList.Add(typeof(PipelineRun).Assembly.Location);
    foreach (var argument in options.ChildArguments(server))
        start.ArgumentList.Add(argument);

    using var child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {self}.");
    var output = await child.StandardOutput.ReadToEndAsync();
    await child.WaitForExitAsync();
    var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(PipelineRun.ResultPrefix, StringComparison.Ordinal))
               ?? throw new InvalidOperationException($"The measuring process exited with {child.ExitCode} without a result:{Environment.NewLine}{output}");
    return JsonSerializer.Deserialize<RunResult>(line[PipelineRun.ResultPrefix.Length..])!;
}

static void Report(BenchmarkOptions options, List<RunResult> ours, List<TimeSpan> baseline, List<double> baselineSinkCpu)
{
    var size = ours[0].MessageBytes;
    var oursRate = Median(ours.Select(r => r.MessagesPerSecond));
    Console.WriteLine();
    Console.WriteLine($"message size: {size:N0} bytes (the sample issue for one subscriber, as sent)" + (baseline.Count > 0 ? $"; smtp-source sent -l {size} bodies" : ""));
    Console.WriteLine($"{"",-26}{"msg/s",9}{"MB/s",8}{"CPU s/1000 msg",16}{"peak WS MB",12}{"sink CPU %",12}");
    if (baseline.Count > 0)
    {
        var rate = Median(baseline.Select(b => options.Subscribers / b.TotalSeconds));
        var sinkShare = Median(baseline.Zip(baselineSinkCpu, (b, cpu) => cpu / b.TotalSeconds * 100));
        Console.WriteLine($"{"smtp-source (baseline)",-26}{rate,9:F0}{rate * size / 1e6,8:F1}{"-",16}{"-",12}{sinkShare,12:F0}");
    }

    var sinkDuringOurs = baseline.Count > 0 ? Median(ours.Select(r => r.SinkCpuSeconds / r.WatcherSeconds * 100)).ToString("F0", CultureInfo.InvariantCulture) : "-";
    Console.WriteLine($"{options.Label,-26}{oursRate,9:F0}{Median(ours.Select(r => r.MegabytesPerSecond)),8:F1}" +
                      $"{Median(ours.Select(r => r.CpuSecondsPerThousand)),16:F2}{Median(ours.Select(r => Mb(r.PeakWorkingSetBytes))),12:F0}{sinkDuringOurs,12}");
    if (baseline.Count > 0)
    {
        var ratio = oursRate / Median(baseline.Select(b => options.Subscribers / b.TotalSeconds));
        Console.WriteLine($"ratio to smtp-source: {ratio:F2} (issue #4 target: at least 0.50 at 4 connections)");
    }

    Console.WriteLine($"where the wall time went (medians): host start {Median(ours.Select(r => r.StartupSeconds)):F2} s before the clock; " +
                      $"publish (import, compose, delivery rows, fan-out queued) {Median(ours.Select(r => r.PublishSeconds)):F2} s; " +
                      $"first message recorded sent at {Median(ours.Select(r => r.FirstSentSeconds)):F2} s; last at {Median(ours.Select(r => r.AllSentSeconds)):F2} s; " +
                      $"steady rate between them {Median(ours.Select(r => (r.Sent - 1) / (r.AllSentSeconds - r.FirstSentSeconds))):F0} msg/s");
    Console.WriteLine($"memory: working set after host start {Median(ours.Select(r => Mb(r.WorkingSetAfterStartBytes))):F0} MB, peak {Median(ours.Select(r => Mb(r.PeakWorkingSetBytes))):F0} MB " +
                      $"(runs: {string.Join(", ", ours.Select(r => Mb(r.PeakWorkingSetBytes).ToString("F0", CultureInfo.InvariantCulture)))} MB)");

    Console.WriteLine($"GC after the send (medians): heap {Median(ours.Select(r => Mb(r.Gc.HeapBytes))):F0} MB, committed {Median(ours.Select(r => Mb(r.Gc.CommittedBytes))):F0} MB, " +
                      $"still reachable after a full compacting GC {Median(ours.Select(r => Mb(r.Gc.RetainedBytes))):F0} MB; " +
                      $"collections gen0/gen1/gen2 {Median(ours.Select(r => (double)r.Gc.Gen0)):F0}/{Median(ours.Select(r => (double)r.Gc.Gen1)):F0}/{Median(ours.Select(r => (double)r.Gc.Gen2)):F0}");

    var stages = ours.SelectMany(r => r.Stages).GroupBy(s => (s.Stage, s.Note)).ToList();
    if (stages.Count > 0)
    {
        Console.WriteLine();
        Console.WriteLine("stages on their own (--profile, warm, medians over runs; \"kept\" = reachable memory added per item, the stage's own results included):");
        Console.WriteLine($"  {"stage",-50}{"items",7}{"wall µs/item",14}{"CPU µs/item",13}{"kept B/item",13}  how");
        foreach (var stage in stages)
        {
            Console.WriteLine($"  {stage.Key.Stage,-50}{stage.First().Items,7}{Median(stage.Select(s => s.WallMicroseconds)),14:F1}" +
                              $"{Median(stage.Select(s => s.CpuMicroseconds)),13:F1}{Median(stage.Select(s => s.RetainedBytes)),13:F0}  {stage.Key.Note}");
        }
    }
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static double Mb(long bytes) => bytes / 1_048_576.0;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    if (sorted.Length == 0)
        return double.NaN;
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

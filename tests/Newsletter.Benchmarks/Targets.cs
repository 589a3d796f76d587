using System.Globalization;

namespace Newsletter.Benchmarks;

/// <summary>
/// Issue #17's targets, each printed beside the figure this run measured (medians over the runs), with "met" or how far off.
/// A target whose line was not run says so, with the --lines that measures it.
/// </summary>
internal static class Targets
{
    public static void Print(BenchmarkOptions options, List<Line> lines, Dictionary<Line, List<(RunResult Ours, double Baseline)>> results,
        List<(double Ceiling, double Source)> ceiling)
    {
        Console.WriteLine();
        Console.WriteLine($"issue #17's targets (medians of the runs above; load average now {LoadAverage.Text}):");
        Line? Wait(bool postgreSql, bool dkim, int subscribers) =>
            lines.FirstOrDefault(l => l.SendWait && l.Dll is null && l.PostgreSql == postgreSql && l.Dkim == dkim && l.Subscribers == subscribers);
        double Median(Line line, Func<(RunResult Ours, double Baseline), double> figure) => Statistics.Median(results[line].Select(figure));

        var sqlite = Wait(false, false, options.Subscribers);
        var postgreSql = Wait(true, false, options.Subscribers);
        foreach (var (label, line) in new[] { ("SQLite", sqlite), ("PostgreSQL", postgreSql) })
        {
            if (line is null)
            {
                Missing($"send --wait on {label}: ratio to smtp-source >= 0.50, steady >= 0.65", label == "SQLite" ? "wait" : "wait-postgresql");
                continue;
            }
            AtLeast($"send --wait on {label}, whole process, ratio to smtp-source", Median(line, r => r.Ours.MessagesPerSecond / r.Baseline), 0.50, "F2");
            AtLeast($"send --wait on {label}, steady (first to last message), ratio", Median(line, r => r.Ours.SteadyMessagesPerSecond / r.Baseline), 0.65, "F2");
        }

        if (sqlite is null)
        {
            Missing("CPU <= 0.60 s per 1,000; first message <= 1.5 s; peak <= 150 MB", "wait");
        }
        else
        {
            AtMost($"CPU s per 1,000 messages (send --wait, SQLite, {sqlite.Subscribers:N0}, whole process)", Median(sqlite, r => r.Ours.CpuSecondsPerThousand), 0.60, "F2");
            AtMost("first message at the sink, s after `send --wait` started (templates compiled once before)", Median(sqlite, r => r.Ours.FirstAcceptedSeconds), 1.5, "F2");
            AtMost($"peak resident set, MB (send --wait, SQLite, {sqlite.Subscribers:N0})", Median(sqlite, r => r.Ours.LargestPeakWorkingSet / 1_048_576.0), 150, "F0");
        }

        var big = lines.FirstOrDefault(l => l.SendWait && l.Dll is null && !l.PostgreSql && !l.Dkim && l.Subscribers == options.MemorySubscribers && l != sqlite);
        if (sqlite is not null && big is not null)
        {
            var growth = Median(big, r => r.Ours.LargestPeakWorkingSet / 1_048_576.0) / Median(sqlite, r => r.Ours.LargestPeakWorkingSet / 1_048_576.0) - 1;
            AtMost($"peak resident set at {big.Subscribers:N0} over {sqlite.Subscribers:N0}, %", growth * 100, 10, "F0");
            Console.WriteLine($"  {$"send --wait to {big.Subscribers:N0} readers finishes",-92} {Median(big, r => r.Ours.SendCommandSeconds):F1} s, " +
                              $"CPU {Median(big, r => r.Ours.CpuSeconds):F1} s, peak {Median(big, r => r.Ours.LargestPeakWorkingSet / 1_048_576.0):F0} MB " +
                              $"({results[big].Count(r => r.Ours.Complete)} of {results[big].Count} runs complete)");
        }
        else
        {
            Missing("peak at the big list <= +10% of the 30,000 one; the big list's time, CPU and peak", "wait,wait-memory");
        }

        var dkim = Wait(false, true, options.Subscribers);
        if (sqlite is not null && dkim is not null)
        {
            var extra = (Median(dkim, r => r.Ours.CpuSeconds / r.Ours.Received) - Median(sqlite, r => r.Ours.CpuSeconds / r.Ours.Received)) * 1000;
            AtMost("DKIM's added CPU per message, ms", extra, 0.40, "F2");
            Console.WriteLine($"    {OpenSsl.Rsa2048Line()}");
        }
        else
        {
            Missing("DKIM adds <= 0.40 ms CPU per message", "wait,wait-dkim");
        }

        if (ceiling.Count == 0)
        {
            Missing("pipeline >= 0.70 of the .NET raw-socket ceiling", "wait,ceiling");
            return;
        }

        var ceilingRate = Statistics.Median(ceiling.Select(c => c.Ceiling));
        Console.WriteLine($"  {"ceiling: .NET raw sockets, same message and connections, no MailKit, no store",-92} {ceilingRate:F0} msg/s " +
                          $"(smtp-source beside it {Statistics.Median(ceiling.Select(c => c.Source)):F0}; ratio {Statistics.Median(ceiling.Select(c => c.Ceiling / c.Source)):F2})");
        if (sqlite is not null)
        {
            AtLeast("send --wait on SQLite / the ceiling, whole process", Median(sqlite, r => r.Ours.MessagesPerSecond) / ceilingRate, 0.70, "F2");
            AtLeast("send --wait on SQLite / the ceiling, steady", Median(sqlite, r => r.Ours.SteadyMessagesPerSecond) / ceilingRate, 0.70, "F2");
        }
    }

    private static void AtLeast(string what, double figure, double target, string format) =>
        Console.WriteLine($"  {what,-92} {figure.ToString(format, CultureInfo.InvariantCulture),8}  target >= {target.ToString(format, CultureInfo.InvariantCulture)}: " +
                          (figure >= target ? "met" : $"missed by {(target - figure).ToString(format, CultureInfo.InvariantCulture)} (x{target / figure:F2} to go)"));

    private static void AtMost(string what, double figure, double target, string format) =>
        Console.WriteLine($"  {what,-92} {figure.ToString(format, CultureInfo.InvariantCulture),8}  target <= {target.ToString(format, CultureInfo.InvariantCulture)}: " +
                          (figure <= target ? "met" : $"missed by {(figure - target).ToString(format, CultureInfo.InvariantCulture)} (x{figure / target:F2})"));

    private static void Missing(string what, string lines) =>
        Console.WriteLine($"  {what}: not measured in this run (--lines {lines})");
}

/// <summary>Medians, ignoring runs that produced no figure.</summary>
internal static class Statistics
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

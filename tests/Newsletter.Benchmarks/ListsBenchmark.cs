using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Newsletter.Benchmarks;

/// <summary>
/// The big-list path (#17): <c>lists show</c> and <c>lists validate</c>, run by the real executable, on a large CSV list and on
/// a list written inline in appsettings.json. Each command's whole process is timed (start-up included) with its CPU and peak
/// resident set, beside the same command on a one-reader list in the same run, so the cost per address can be read off.
/// </summary>
internal static class ListsBenchmark
{
    private const string Usage = """
        run.sh --lists [--csv N] [--inline N] [--repeat N]
          --csv N      readers in the CSV list (default 500,000)
          --inline N   readers written inline in appsettings.json (default 30,000)
          --repeat N   runs of each command, the median is printed (default 3)
        """;

    private const string ListName = "readers";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var (csv, inline, repeat) = (500_000, 30_000, 3);
        for (var i = 1; i < args.Length; i++)
        {
            int Next() => i + 1 < args.Length && int.TryParse(args[++i], NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw new ArgumentException($"{args[i - 1]} takes a positive whole number.{Environment.NewLine}{Usage}");
            try
            {
                switch (args[i])
                {
                    case "--csv": csv = Next(); break;
                    case "--inline": inline = Next(); break;
                    case "--repeat": repeat = Next(); break;
                    case "--postgres": i++; break; // run.sh passes the server it started; these lines use SQLite.
                    default: throw new ArgumentException($"Unknown option {args[i]}.{Environment.NewLine}{Usage}");
                }
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
        }

        // One folder per list, so that `lists validate` (which reads every list) reads only that one.
        var folders = new List<string>();
        try
        {
            async Task<NewsletterExecutable> FolderAsync(object list, int csvReaders)
            {
                var work = PipelineRun.NewWorkDirectory();
                folders.Add(work);
                if (csvReaders > 0)
                    await WriteCsvAsync(Path.Combine(work, "readers.csv"), csvReaders);
                await File.WriteAllTextAsync(Path.Combine(work, "appsettings.json"), Settings(work, list));
                var newsletter = new NewsletterExecutable(work, new Dictionary<string, string?>(), new Dictionary<string, string>());
                await newsletter.RunAsync(CommandTimeout, CancellationToken.None, "lists", "validate"); // creates the store, warms the disk cache
                return newsletter;
            }

            var one = await FolderAsync(new { DisplayName = "Readers", Subscribers = new[] { new { Email = "one@example.org", Name = "One" } } }, 0);
            var big = await FolderAsync(new { DisplayName = "Readers", SubscribersFile = "readers.csv" }, csv);
            var inlined = await FolderAsync(new
            {
                DisplayName = "Readers",
                Subscribers = Enumerable.Range(0, inline).Select(i => new { Email = $"reader{i}@example.org", Name = $"Reader {i}" }),
            }, 0);

            Console.WriteLine($"lists show / lists validate: the whole process, median of {repeat}; load average {LoadAverage.Text}");
            Console.WriteLine("per address = (wall - wall with one reader) / readers; target (#17): inline near CSV, each in seconds");
            Console.WriteLine($"{"line",-40}{"wall s",8}{"CPU s",8}{"peak RSS MB",13}{"µs/address",12}");
            foreach (var command in new[] { "show", "validate" })
            {
                string[] Args() => command == "show" ? ["lists", "show", ListName] : ["lists", "validate"];
                var single = await MedianAsync(one, repeat, Args());
                Print($"lists {command}, one reader", single, null);
                Print($"lists {command}, {csv:N0} in a CSV file", await MedianAsync(big, repeat, Args()), (single, csv));
                Print($"lists {command}, {inline:N0} inline in appsettings", await MedianAsync(inlined, repeat, Args()), (single, inline));
            }
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        finally
        {
            foreach (var work in folders)
                PipelineRun.DeleteQuietly(work);
        }
    }

    private static async Task<(double Wall, double Cpu, long PeakBytes)> MedianAsync(NewsletterExecutable newsletter, int repeat, string[] args)
    {
        var runs = new List<(double Wall, double Cpu, long PeakBytes)>();
        for (var run = 0; run < repeat; run++)
            runs.Add(await newsletter.RunTimedAsync(CommandTimeout, CancellationToken.None, args));
        return (Median(runs.Select(r => r.Wall)), Median(runs.Select(r => r.Cpu)), (long)Median(runs.Select(r => (double)r.PeakBytes)));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static void Print(string label, (double Wall, double Cpu, long PeakBytes) figures, ((double Wall, double Cpu, long PeakBytes) One, int Readers)? per)
    {
        var perAddress = per is { } p ? ((figures.Wall - p.One.Wall) / p.Readers * 1e6).ToString("F1", CultureInfo.InvariantCulture) : "";
        Console.WriteLine($"{label,-42}{figures.Wall,8:F2}{figures.Cpu,8:F2}{figures.PeakBytes / 1048576.0,13:F0}{perAddress,12}");
    }

    private static async Task WriteCsvAsync(string path, int readers)
    {
        await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16);
        await writer.WriteLineAsync("email,name");
        for (var i = 0; i < readers; i++)
            await writer.WriteLineAsync($"reader{i}@example.org,Reader {i}");
    }

    /// <summary>A working appsettings.json with one list, <see cref="ListName"/>.</summary>
    private static string Settings(string work, object list) => JsonSerializer.Serialize(new
    {
        Newsletter = new
        {
            Sender = new { FromAddress = "newsletter@example.org", PublicBaseUrl = "https://newsletter.example.org" },
            Store = new { Path = Path.Combine(work, "newsletter.db") },
            Lists = new Dictionary<string, object> { [ListName] = list },
        },
    });
}

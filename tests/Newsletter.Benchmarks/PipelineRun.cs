using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;
using Newsletter.Core.Composition;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Publishing;
using Newsletter.Worker.Scheduling;
using Newsletter.Worker.Sending;

namespace Newsletter.Benchmarks;

/// <summary>
/// One measurement, in a process of its own (so the peak working set is this run's): publish the sample week to N
/// generated subscribers through the real host, as `newsletter publish` does, and time it from publish start to the
/// last delivery recorded sent.
/// </summary>
internal static class PipelineRun
{
    public const string ResultPrefix = "RESULT ";
    public const string ListName = "bench";
    public static readonly DateOnly SampleWeek = new(2026, 4, 6);

    public static async Task<int> RunAsync(BenchmarkOptions options)
    {
        var work = Path.Combine(Path.GetTempPath(), "newsletter-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var result = await MeasureAsync(options, work);
            Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result));
            return result.Sent == options.Subscribers ? 0 : 1;
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A file still open by a stopping thread; the OS cleans the temp folder.
            }
        }
    }

    private static async Task<RunResult> MeasureAsync(BenchmarkOptions options, string work)
    {
        var settings = Settings(options, work);
        Directory.SetCurrentDirectory(work); // the host's content root: nothing it writes lands in the repository
        var process = Process.GetCurrentProcess();

        var clock = Stopwatch.StartNew();
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: true, settings));
        await host.StartAsync();
        var startup = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var workingSetAfterStart = process.WorkingSet64;

        using var timeout = new CancellationTokenSource(TimeSpan.FromHours(1));
        var cpuBefore = process.TotalProcessorTime;
        var publishStart = DateTimeOffset.UtcNow;
        clock.Restart();
        var published = await host.Services.GetRequiredService<IssuePublisher>().PublishAsync(SampleWeek, [ListName], _ => { }, timeout.Token);
        var publishSeconds = clock.Elapsed.TotalSeconds;
        var counts = await host.Services.GetRequiredService<SendWatcher>()
            .WaitAsync(published.Issue.Number, published.Sends.Select(s => s.Send).ToList(), (_, _) => { }, timeout.Token);
        var watcherSeconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var peak = process.PeakWorkingSet64;
        var gcInfo = GC.GetGCMemoryInfo();
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var gc = new GcFigures(gcInfo.HeapSizeBytes, gcInfo.TotalCommittedBytes, GC.GetTotalMemory(forceFullCollection: false), gen0, gen1, gen2);

        var (firstSent, lastSent) = SentTimes(settings["Newsletter:Store:Path"]!);
        var messageBytes = await MessageSizeAsync(host.Services, published.Issue.Number, timeout.Token);
        IReadOnlyList<StageTiming> stages = options.Profile
            ? await StageProfile.RunAsync(host.Services, published.Issue.Number, options, timeout.Token)
            : [];

        await host.StopAsync();
        return new RunResult(
            options.Subscribers, counts.Sent, counts.Failed, startup, publishSeconds,
            (firstSent - publishStart).TotalSeconds, (lastSent - publishStart).TotalSeconds, watcherSeconds,
            cpuSeconds, peak, workingSetAfterStart, messageBytes, 0, stages, gc);
    }

    /// <summary>The same settings the end-to-end tests use, pointed at the sink, with a CSV list of generated subscribers.</summary>
    private static Dictionary<string, string?> Settings(BenchmarkOptions options, string work)
    {
        var repo = RepositoryRoot();
        var csv = Path.Combine(work, "bench.csv");
        using (var writer = new StreamWriter(csv))
        {
            writer.WriteLine("email,name");
            for (var i = 0; i < options.Subscribers; i++)
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reader{i:D7}@example.com,Reader {i}"));
        }

        var sink = options.ChildOf!;
        var colon = sink.LastIndexOf(':');
        var settings = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Newsletter:Store:Path"] = Path.Combine(work, "newsletter.db"),
            ["Newsletter:Jobs:StoragePath"] = Path.Combine(work, "hangfire.db"),
            ["Newsletter:Jobs:WorkerCount"] = options.Connections.ToString(CultureInfo.InvariantCulture),
            ["Newsletter:Jobs:PollIntervalSeconds"] = "1",
            ["Newsletter:Stories:Directory"] = Path.Combine(repo, "stories"),
            ["Newsletter:Rendering:TemplatesDirectory"] = Path.Combine(repo, "templates"),
            ["Newsletter:Branding:Name"] = "Tensor Weekly",
            ["Newsletter:Branding:PostalAddress"] = "1 Example Street, London EC1A 1AA, United Kingdom",
            ["Newsletter:Sender:FromAddress"] = "editor@newsletter.example.com",
            ["Newsletter:Sender:FromName"] = "Tensor Weekly",
            ["Newsletter:Sender:ReplyTo"] = "editor@newsletter.example.com",
            ["Newsletter:Sender:PublicBaseUrl"] = "https://newsletter.example.com",
            ["Newsletter:Unsubscribe:SecretKey"] = "a-benchmark-secret-that-is-long-enough-0123456789",
            ["Newsletter:Unsubscribe:KeyFile"] = Path.Combine(work, "unsubscribe.key"),
            ["Newsletter:Delivery:Transport"] = "Smtp",
            ["Newsletter:Delivery:BatchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["Newsletter:Delivery:Smtp:Host"] = sink[..colon],
            ["Newsletter:Delivery:Smtp:Port"] = sink[(colon + 1)..],
            ["Newsletter:Delivery:Smtp:Security"] = "None",
            ["Newsletter:Schedule:Enabled"] = "false",
            ["Newsletter:Schedule:TimeZone"] = "UTC",
            [$"Newsletter:Lists:{ListName}:DisplayName"] = "Benchmark readers",
            [$"Newsletter:Lists:{ListName}:SubscribersFile"] = csv,
        };
        foreach (var (key, value) in options.Settings)
            settings[key] = value;
        return settings;
    }

    /// <summary>When the first and the last delivery were recorded sent, from the log's own timestamps (no polling error).</summary>
    private static (DateTimeOffset First, DateTimeOffset Last) SentTimes(string storePath)
    {
        using var connection = new SqliteConnection($"Data Source={storePath};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(updated_at), MAX(updated_at) FROM deliveries WHERE state = 'sent'";
        using var reader = command.ExecuteReader();
        reader.Read();
        static DateTimeOffset Parse(string text) =>
            DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        return (Parse(reader.GetString(0)), Parse(reader.GetString(1)));
    }

    /// <summary>One subscriber's message, built the way the batch job builds it, written with the CRLF line ends SMTP uses.</summary>
    public static async Task<long> MessageSizeAsync(IServiceProvider services, int issueNumber, CancellationToken ct)
    {
        var message = await SampleMessageAsync(services, issueNumber, "reader0000001@example.com", ct);
        using var counter = new MemoryStream();
        message.WriteTo(WireFormat, counter, ct);
        return counter.Length;
    }

    public static FormatOptions WireFormat { get; } = CreateWireFormat();

    public static async Task<MimeMessage> SampleMessageAsync(IServiceProvider services, int issueNumber, string email, CancellationToken ct)
    {
        var messages = services.GetRequiredService<IssueMessageBuilder>();
        var list = new MailingList(ListName, "Benchmark readers", []);
        var body = await services.GetRequiredService<RenderedIssueCache>().GetBodyAsync(issueNumber, list, ct);
        return messages.Build(body, list, new Subscriber(email, "Reader 1")).Message;
    }

    private static FormatOptions CreateWireFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Newsletter.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"No Newsletter.sln above {AppContext.BaseDirectory}: run the benchmark from its build output in the repository.");
    }
}

using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Transports;
using Newsletter.Rendering;
using Newsletter.Storage;
using Newsletter.Worker.Hosting;

namespace Newsletter.Benchmarks;

/// <summary>
/// Where the time goes: each stage of a send timed on its own, with the host's real services (warm: after a full
/// run in the same process). The stages are what <c>SendBatchJob</c> does per message, in order.
/// </summary>
internal static class StageProfile
{
    public const string ResultPrefix = "RESULT ";

    /// <summary>
    /// The profile's own process (<c>--profile-in WORK</c>): the host in-process on the store the parent set up in WORK with
    /// `newsletter stories import` and `issue compose`, its settings passed as <c>--set</c>. Prints one JSON line of timings.
    /// </summary>
    public static async Task<int> RunChildAsync(BenchmarkOptions options)
    {
        Directory.SetCurrentDirectory(options.ProfileIn!);
        var settings = options.Settings.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, settings));
        await host.StartAsync(timeout.Token);
        var stages = await RunAsync(host.Services, issueNumber: 1, options, timeout.Token);
        await host.StopAsync(timeout.Token);
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(stages));
        return 0;
    }

    public static async Task<IReadOnlyList<StageTiming>> RunAsync(IServiceProvider services, int issueNumber, BenchmarkOptions options, CancellationToken ct)
    {
        var items = Math.Min(options.Subscribers, 2_000);
        var stages = new List<StageTiming>();
        var issue = await services.GetRequiredService<IIssueStore>().GetAsync(issueNumber, ct)
                    ?? throw new InvalidOperationException($"Issue #{issueNumber} vanished.");
        var renderer = services.GetRequiredService<IssueRenderer>();
        var messages = services.GetRequiredService<IssueMessageBuilder>();
        var publicUrls = services.GetRequiredService<PublicUrls>();
        var list = new MailingList(PipelineRun.ListName, "Benchmark readers", []);
        var subscribers = Enumerable.Range(0, items).Select(i => new Subscriber($"profile{i:D7}@example.com", $"Reader {i}")).ToList();

        var context = new IssueRenderContext(list.DisplayName, publicUrls.ViewInBrowser(issueNumber));
        RenderedIssue rendered = null!;
        stages.Add(await TimeAsync("render issue (templates, CSS inlining), warm", 5, "1 thread", async _ =>
            rendered = await renderer.RenderAsync(issue, context, ct)));

        var urls = new string[items];
        stages.Add(await TimeAsync("unsubscribe token + URL", items, "1 thread", i =>
        {
            urls[i] = publicUrls.Unsubscribe(list, subscribers[i]);
            return Task.CompletedTask;
        }));

        EncodedIssueBody body = null!;
        stages.Add(await TimeAsync("encode the shared body parts (once per issue and list)", 5, "1 thread", _ =>
        {
            body = new EncodedIssueBody(rendered);
            return Task.CompletedTask;
        }));

        var built = new MimeMessage[items];
        stages.Add(await TimeAsync("build message (headers, token, spliced body)", items, "1 thread", i =>
        {
            built[i] = messages.Build(body, list, subscribers[i]).Message;
            return Task.CompletedTask;
        }));

        stages.AddRange(await DkimAsync(services, body, list, subscribers, ct));

        stages.Add(await TimeAsync("serialise message (CRLF)", items, "1 thread, to a null stream", i =>
        {
            built[i].WriteTo(WireFormat, Stream.Null, ct);
            return Task.CompletedTask;
        }));

        stages.Add(await SmtpAsync(services, built, options.Connections, ct));
        stages.AddRange(await DeliveryLogAsync(services, issueNumber, subscribers, options.Connections, ct));
        stages.AddRange(await SqliteCommitsAsync(items));
        return stages;
    }

    /// <summary>
    /// DKIM's own cost: building each message again with a signer (a throwaway RSA-2048 key), against the build without it
    /// above; the difference per message is what signing adds, beside one RSA-2048 signature by .NET alone.
    /// </summary>
    private static async Task<IEnumerable<StageTiming>> DkimAsync(IServiceProvider services, EncodedIssueBody body, MailingList list, List<Subscriber> subscribers, CancellationToken ct)
    {
        var folder = Path.Combine(Path.GetTempPath(), "newsletter-bench", $"dkim-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            using var rsa = System.Security.Cryptography.RSA.Create(2048);
            var key = Path.Combine(folder, "dkim.pem");
            await File.WriteAllTextAsync(key, rsa.ExportPkcs8PrivateKeyPem(), ct);
            using var signer = new Delivery.Signing.DkimMessageSigner(
                new Delivery.Signing.DkimOptions { Enabled = true, Domain = "example.com", Selector = "bench", PrivateKeyPath = key }, folder);
            var signing = new IssueMessageBuilder(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SenderOptions>>(),
                services.GetRequiredService<PublicUrls>(), dkim: signer);
            var digest = new byte[32];
            return
            [
                await TimeAsync("build + DKIM-sign message (relaxed/relaxed)", subscribers.Count, "1 thread", i =>
                {
                    signing.Build(body, list, subscribers[i]);
                    return Task.CompletedTask;
                }),
                await TimeAsync("one RSA-2048 signature (.NET), for reference", subscribers.Count, "1 thread", _ =>
                {
                    rsa.SignHash(digest, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
                    return Task.CompletedTask;
                }),
            ];
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static FormatOptions WireFormat { get; } = CreateWireFormat();

    private static FormatOptions CreateWireFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }

    /// <summary>Only SMTP: the already-built messages, over C reused connections of the real transport.</summary>
    private static async Task<StageTiming> SmtpAsync(IServiceProvider services, MimeMessage[] built, int connections, CancellationToken ct)
    {
        var transport = services.GetRequiredService<IMailTransport>();
        var sessions = new IMailTransportSession[connections];
        for (var c = 0; c < connections; c++)
            sessions[c] = await transport.OpenSessionAsync(ct);
        var next = -1;
        var timing = await TimeAsync("SMTP send of prebuilt messages", built.Length, $"{connections} connections", async _ =>
        {
            await Task.WhenAll(sessions.Select(async session =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < built.Length)
                    await session.SendAsync(built[i], built[i].From.Mailboxes.First(), ct);
            }));
        }, runs: 1);
        foreach (var session in sessions)
            await session.DisposeAsync();
        return timing;
    }

    /// <summary>Only the delivery log: recording a send's rows, then claim + record-sent per delivery as the batch job does it.</summary>
    private static async Task<IEnumerable<StageTiming>> DeliveryLogAsync(IServiceProvider services, int issueNumber, List<Subscriber> subscribers, int workers, CancellationToken ct)
    {
        var sends = services.GetRequiredService<ISendStore>();
        var claims = services.GetRequiredService<IDeliveryClaims>();
        var heartbeats = services.GetRequiredService<IWorkerHeartbeats>();
        var list = new MailingList("profile", "Profile", subscribers);
        Send send = null!;
        var create = await TimeAsync("delivery log: record the send's rows", subscribers.Count, "1 transaction", async _ =>
            send = await sends.CreateSendAsync(issueNumber, list, 100, null, ct), runs: 1);

        var batches = new List<Core.Deliveries.Delivery>();
        for (var b = 0; b < send.BatchCount; b++)
            batches.AddRange(await claims.GetBatchAsync(send.Id, b, ct));
        var next = -1;
        batches.TrimExcess();
        var claimAndRecord = await TimeAsync("delivery log: claim + record sent", subscribers.Count, $"{workers} concurrent workers", async _ =>
        {
            await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
            {
                // A claim from a worker with no heartbeat looks abandoned, and the host's recovery would take it back.
                await heartbeats.HeartbeatAsync($"profile/{w}", ct);
                await using var session = await claims.OpenSessionAsync($"profile/{w}", ct);
                int i;
                while ((i = Interlocked.Increment(ref next)) < batches.Count)
                {
                    if (await session.TryClaimAsync(batches[i].Id, ct) == ClaimResult.Claimed)
                        await session.RecordSentAsync(batches[i].Id, "250 2.0.0 Ok", null, ct);
                }
            }, ct)));
        }, runs: 1);
        return [create, claimAndRecord];
    }

    /// <summary>
    /// What SQLite itself charges per status update on this disk, in a scratch file beside the store, for the three ways
    /// of writing it: one autocommit statement with the default synchronous=FULL (what the delivery log does now),
    /// the same with synchronous=NORMAL (WAL: no fsync per commit), and 100 updates per transaction.
    /// </summary>
    private static async Task<IEnumerable<StageTiming>> SqliteCommitsAsync(int items)
    {
        var file = Path.Combine(Path.GetTempPath(), "newsletter-bench", $"commits-{Guid.NewGuid():N}.db");
        var timings = new List<StageTiming>();
        try
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file}");
            await connection.OpenAsync();
            await using (var setup = connection.CreateCommand())
            {
                setup.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, state TEXT NOT NULL);" +
                                    $"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {items}) INSERT INTO t SELECT i, 'pending' FROM n;";
                await setup.ExecuteNonQueryAsync();
            }

            await using var update = connection.CreateCommand();
            update.CommandText = "UPDATE t SET state = $state WHERE id = $id";
            var state = update.Parameters.Add("$state", Microsoft.Data.Sqlite.SqliteType.Text);
            var id = update.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Integer);

            async Task PragmaAsync(string pragma)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = pragma;
                await command.ExecuteNonQueryAsync();
            }

            async Task<StageTiming> UpdatesAsync(string stage, string value, int perTransaction) =>
                await TimeAsync(stage, items, "1 thread, scratch file", async _ =>
                {
                    for (var first = 1; first <= items; first += perTransaction)
                    {
                        await using var transaction = perTransaction > 1 ? connection.BeginTransaction() : null;
                        update.Transaction = transaction;
                        for (var i = first; i < first + perTransaction && i <= items; i++)
                        {
                            state.Value = value;
                            id.Value = i;
                            await update.ExecuteNonQueryAsync();
                        }

                        if (transaction is not null)
                            await transaction.CommitAsync();
                    }
                }, runs: 1);

            timings.Add(await UpdatesAsync("sqlite: autocommit UPDATE, synchronous=FULL", "a", 1));
            await PragmaAsync("PRAGMA synchronous = NORMAL");
            timings.Add(await UpdatesAsync("sqlite: autocommit UPDATE, synchronous=NORMAL", "b", 1));
            await PragmaAsync("PRAGMA synchronous = FULL");
            timings.Add(await UpdatesAsync("sqlite: 100 UPDATEs per transaction, FULL", "c", 100));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var leftover in new[] { file, file + "-wal", file + "-shm" })
                File.Delete(leftover);
        }

        return timings;
    }

    /// <summary>Times <paramref name="runs"/> × <paramref name="items"/> calls (one warm-up call first) and reports per item.</summary>
    private static async Task<StageTiming> TimeAsync(string stage, int items, string note, Func<int, Task> action, int runs = 0)
    {
        var process = Process.GetCurrentProcess();
        var perRun = runs == 0; // per-item callbacks: call once per item; whole-stage callbacks (runs = 1) do every item themselves
        if (perRun)
            await action(0);
        var reachable = GC.GetTotalMemory(forceFullCollection: true);
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        if (perRun)
        {
            for (var i = 0; i < items; i++)
                await action(i);
        }
        else
        {
            await action(0);
        }

        clock.Stop();
        process.Refresh();
        var cpuUsed = process.TotalProcessorTime - cpu;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - reachable;
        return new StageTiming(stage, items, clock.Elapsed.TotalMicroseconds / items, cpuUsed.TotalMicroseconds / items, note, (double)retained / items);
    }
}

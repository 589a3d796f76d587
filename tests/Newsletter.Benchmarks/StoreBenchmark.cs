using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Storage;
using Npgsql;

namespace Newsletter.Benchmarks;

/// <summary>
/// <c>run.sh --store</c>: the delivery log's claim and record of each message alone, on SQLite and PostgreSQL, for each way of
/// writing them, interleaved in the same process so that a busy machine slows every way alike. Prints medians: messages/s,
/// our CPU µs per message (and the PostgreSQL server's, when its data folder is given), and each as a ratio to the code
/// before (two pooled opens and two commits per message, with three PRAGMAs per open on SQLite).
/// </summary>
internal static class StoreBenchmark
{
    public const string Usage = """
        run.sh --store [--messages N] [--repeat R] [--workers W] [--postgres CONNECTION-STRING] [--postgres-data FOLDER]
          --messages N      deliveries claimed and recorded per run (default 5000)
          --repeat R        runs of each way, interleaved; medians are printed (default 5)
          --workers W       concurrent sending loops, each with its own deliveries to claim, as SMTP connections are (default 4)
          --postgres CS     also measure PostgreSQL (an empty database is created and dropped there); run.sh --store starts a
                            throwaway cluster and passes this and --postgres-data
          --postgres-data   that cluster's data folder, to read the server's CPU time from its processes
        """;

    private sealed record Way(string Name, Func<Context, IReadOnlyList<long>, string, Task> SendAsync, bool SqliteOnly = false);

    private sealed record Context(StoreDatabase Database, string? SqliteConnectionString)
    {
        public SendStore Sends { get; } = new(Database);

        public DeliveryClaims Claims { get; } = new(Database);

        public DeliveryProgress Progress { get; } = new(Database);

        public WorkerHeartbeats Heartbeats { get; } = new(Database);
    }

    private sealed record Sample(double Seconds, double CpuSeconds, double ServerCpuSeconds);

    /// <summary>Each way claims and records every delivery of its slice as "sent", one message at a time, like a sending loop.</summary>
    private static readonly Way[] Ways =
    [
        new("before: 2 opens + 3 PRAGMAs each, 2 commits", BeforeAsync, SqliteOnly: true),
        new("per-message calls: 2 opens, 2 commits", PerMessageAsync),
        new("session, each outcome flushed (2 commits)", async (c, ids, worker) =>
        {
            await using var session = await c.Claims.OpenSessionAsync(worker, CancellationToken.None);
            foreach (var id in ids)
                if (await session.TryClaimAsync(id, CancellationToken.None) == ClaimResult.Claimed)
                {
                    await session.RecordSentAsync(id, "250 2.0.0 Ok", null, CancellationToken.None);
                    await session.FlushAsync(CancellationToken.None);
                }
        }),
        new("session: sent + next claim (1 commit)", async (c, ids, worker) =>
        {
            await using var session = await c.Claims.OpenSessionAsync(worker, CancellationToken.None);
            foreach (var id in ids)
                if (await session.TryClaimAsync(id, CancellationToken.None) == ClaimResult.Claimed)
                    await session.RecordSentAsync(id, "250 2.0.0 Ok", null, CancellationToken.None);
        }),
        new($"for reference: claim {GroupSize} at once, record each", GroupClaimAsync),
    ];

    /// <summary>Deliveries claimed in one statement by the reference way that claims ahead (not what the store does: see the README).</summary>
    private const int GroupSize = 50;

    public static async Task<int> RunAsync(string[] args)
    {
        int messages = 5000, repeat = 5, workers = 4;
        string? postgres = null, postgresData = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--store": break;
                case "--messages": messages = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--repeat": repeat = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--workers": workers = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--postgres": postgres = Next(); break;
                case "--postgres-data": postgresData = Next(); break;
                case "--help": Console.WriteLine(Usage); return 0;
                default: Console.Error.WriteLine($"Unknown option {args[i]}.\n{Usage}"); return 2;
            }
        }

        Console.WriteLine($"Store benchmark: {messages:N0} claims + records per run, {workers} concurrent loops, {repeat} runs of each way " +
                          $"interleaved, medians; {Environment.ProcessorCount} cores; load average at start: {LoadAverage()}");

        var folder = Directory.CreateTempSubdirectory("newsletter-store-bench");
        try
        {
            var path = Path.Combine(folder.FullName, "newsletter.db");
            var sqliteConnectionString = new SqliteConnectionStringBuilder
            {
                // The settings SqliteDatabase uses, for the code before (which opened its own connection per call).
                DataSource = path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = true,
                DefaultTimeout = 10,
            }.ToString();
            var sqlite = new SqliteDatabase(path);
            await MeasureAsync("SQLite (WAL, synchronous=NORMAL)", new Context(sqlite, sqliteConnectionString), messages, repeat, workers, null);

            if (postgres is not null)
            {
                var name = $"newsletter_store_bench_{Guid.NewGuid():N}";
                await using (var admin = new NpgsqlConnection(postgres))
                {
                    await admin.OpenAsync();
                    await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
                    await create.ExecuteNonQueryAsync();
                }
                try
                {
                    var connectionString = new NpgsqlConnectionStringBuilder(postgres) { Database = name }.ConnectionString;
                    await using var database = new PostgreSqlDatabase(connectionString);
                    await MeasureAsync("PostgreSQL (synchronous_commit=off)", new Context(database, null), messages, repeat, workers,
                        postgresData);
                }
                finally
                {
                    NpgsqlConnection.ClearAllPools();
                    await using var admin = new NpgsqlConnection(postgres);
                    await admin.OpenAsync();
                    await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
                    await drop.ExecuteNonQueryAsync();
                }
            }
            else
            {
                Console.WriteLine("PostgreSQL: not measured (no --postgres; run.sh --store starts a throwaway cluster).");
            }
            Console.WriteLine($"load average at end: {LoadAverage()}");
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    private static async Task MeasureAsync(string title, Context context, int messages, int repeat, int workers, string? serverData)
    {
        var ways = Ways.Where(w => !w.SqliteOnly || context.SqliteConnectionString is not null).ToList();
        var samples = ways.ToDictionary(w => w, _ => new List<Sample>());
        var workerIds = Enumerable.Range(0, workers).Select(w => $"bench/{w}").ToList();
        var issue = 0;

        // One warm-up run of each way (JIT, pools, prepared statements), then the measured runs, interleaved.
        for (var run = 0; run <= repeat; run++)
        {
            foreach (var way in ways)
            {
                // A fresh send (its own issue number) of fresh pending deliveries, made outside the clock.
                var list = new MailingList("bench", "Bench", Enumerable.Range(0, messages).Select(i => new Subscriber($"reader{i}@example.com", null)).ToList());
                var send = await context.Sends.CreateSendAsync(++issue, list, messages, null, CancellationToken.None);
                var ids = (await context.Claims.GetBatchAsync(send.Id, 0, CancellationToken.None)).Select(d => d.Id).ToList();
                var slices = Enumerable.Range(0, workers).Select(w => ids.Where((_, i) => i % workers == w).ToList()).ToList();
                foreach (var worker in workerIds)
                    await context.Heartbeats.HeartbeatAsync(worker, CancellationToken.None);

                var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                var serverCpu = ServerCpuSeconds(serverData);
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(slices.Select((slice, w) => Task.Run(() => way.SendAsync(context, slice, workerIds[w]))));
                clock.Stop();
                process.Refresh();
                var sample = new Sample(clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu).TotalSeconds, ServerCpuSeconds(serverData) - serverCpu);

                var counts = await context.Progress.CountAsync(issue, send.Id, CancellationToken.None);
                if (counts.Sent != messages)
                    throw new InvalidOperationException($"{way.Name}: {counts.Sent} of {messages} recorded sent.");
                if (run > 0)
                    samples[way].Add(sample);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{title}: \"before\" is the first line{(context.SqliteConnectionString is null ? " (the code before had no PRAGMAs here)" : "")}");
        Console.WriteLine($"  {"way",-46}{"msg/s",9}{"CPU µs/msg",12}{"vs before",11}{(serverData is null ? "" : $"{"server µs/msg",15}{"total vs before",17}")}");
        var before = samples[ways[0]];
        double PerMessage(IEnumerable<double> values) => Median(values) / messages * 1e6;
        var beforeCpu = PerMessage(before.Select(s => s.CpuSeconds));
        var beforeTotal = PerMessage(before.Select(s => s.CpuSeconds + s.ServerCpuSeconds));
        foreach (var way in ways)
        {
            var s = samples[way];
            var ourCpu = PerMessage(s.Select(x => x.CpuSeconds));
            var line = $"  {way.Name,-46}{Median(s.Select(x => messages / x.Seconds)),9:F0}{ourCpu,12:F0}{ourCpu / beforeCpu,10:F2}x";
            if (serverData is not null)
            {
                var total = PerMessage(s.Select(x => x.CpuSeconds + x.ServerCpuSeconds));
                line += $"{PerMessage(s.Select(x => x.ServerCpuSeconds)),15:F0}{total / beforeTotal,16:F2}x";
            }
            Console.WriteLine(line);
        }
    }

    /// <summary>
    /// A claim and an outcome each on a pooled connection of its own, committed on its own: what the store's one-off claim
    /// and record calls did before every claim went through a session.
    /// </summary>
    private static async Task PerMessageAsync(Context context, IReadOnlyList<long> ids, string worker)
    {
        var claimSql = DeliverySql.Claim(context.Database);
        foreach (var id in ids)
        {
            string? state;
            await using (var connection = await context.Database.OpenForDeliveryLogAsync(CancellationToken.None))
                state = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(claimSql,
                    new { deliveryId = id, claimedBy = worker, now = Now() }));
            if (state != "sending")
                continue;
            await using (var connection = await context.Database.OpenForDeliveryLogAsync(CancellationToken.None))
                await connection.ExecuteAsync(new CommandDefinition(DeliverySql.Sent.Sql,
                    new { deliveryId = id, detail = "250 2.0.0 Ok", messageId = (string?)null, now = Now() }));
        }
    }

    /// <summary>
    /// The code before this change, replayed: every claim and every outcome opened a pooled connection, ran the three
    /// PRAGMAs and its one statement (the same statements as now), and committed on its own.
    /// </summary>
    private static async Task BeforeAsync(Context context, IReadOnlyList<long> ids, string worker)
    {
        foreach (var id in ids)
        {
            string? state;
            await using (var connection = await OpenAsBeforeAsync(context.SqliteConnectionString!))
                state = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(DeliverySql.Claim(context.Database),
                    new { deliveryId = id, claimedBy = worker, now = Now() }));
            if (state != "sending")
                continue;
            await using (var connection = await OpenAsBeforeAsync(context.SqliteConnectionString!))
                await connection.ExecuteAsync(new CommandDefinition(DeliverySql.Sent.Sql,
                    new { deliveryId = id, detail = "250 2.0.0 Ok", messageId = (string?)null, now = Now() }));
        }
    }

    /// <summary>
    /// What claiming ahead would save: <see cref="GroupSize"/> deliveries claimed in one statement (with the same send-state
    /// and suppression conditions, and on PostgreSQL the same row locks skipped), then each "sent" written at once with a
    /// prepared statement on the held connection. The store does not do this: a claim taken ahead would be sent past a pause
    /// and reported uncertain after a crash though it never left.
    /// </summary>
    private static async Task GroupClaimAsync(Context context, IReadOnlyList<long> ids, string worker)
    {
        await using var connection = await context.Database.OpenForDeliveryLogAsync(CancellationToken.None);
        var postgres = context.SqliteConnectionString is null;
        var list = string.Join(", ", Enumerable.Range(0, GroupSize).Select(i => $"@id{i}"));
        const string Claimable = """
            state = 'pending'
            AND (SELECT state FROM sends WHERE sends.id = deliveries.send_id) IN ('scheduled', 'running')
            AND NOT EXISTS (SELECT 1 FROM suppressions WHERE suppressions.email_key = deliveries.email_key)
            """;
        await using var claim = connection.CreateCommand();
        claim.CommandText = $"""
            UPDATE deliveries
            SET state = 'sending', claimed_by = @claimedBy, claimed_at = @now, updated_at = @now, attempts = attempts + 1,
                first_attempt_at = COALESCE(first_attempt_at, @now)
            WHERE id IN (SELECT id FROM deliveries WHERE id IN ({list}) AND {Claimable}{(postgres ? " FOR UPDATE SKIP LOCKED" : "")})
            RETURNING id
            """;
        var idParameters = Enumerable.Range(0, GroupSize).Select(i => Add(claim, $"id{i}", 0L)).ToList();
        Add(claim, "claimedBy", worker);
        var claimNow = Add(claim, "now", "");
        await using var sent = connection.CreateCommand();
        sent.CommandText = DeliverySql.Sent.Sql;
        var sentId = Add(sent, "deliveryId", 0L);
        Add(sent, "detail", "250 2.0.0 Ok");
        Add(sent, "messageId", DBNull.Value);
        var sentNow = Add(sent, "now", "");
        await claim.PrepareAsync();
        await sent.PrepareAsync();

        foreach (var chunk in ids.Chunk(GroupSize))
        {
            for (var i = 0; i < GroupSize; i++)
                idParameters[i].Value = i < chunk.Length ? chunk[i] : -1L;
            claimNow.Value = Now();
            var claimed = new List<long>(GroupSize);
            await using (var reader = await claim.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    claimed.Add(reader.GetInt64(0));
            foreach (var id in claimed.Order())
            {
                sentId.Value = id;
                sentNow.Value = Now();
                await sent.ExecuteNonQueryAsync();
            }
        }

        static System.Data.Common.DbParameter Add(System.Data.Common.DbCommand command, string name, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
            return parameter;
        }
    }

    private static async Task<SqliteConnection> OpenAsBeforeAsync(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA busy_timeout = {(int)SqliteDatabase.BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";
        await pragma.ExecuteNonQueryAsync();
        return connection;
    }

    private static string Now() => DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>User + system CPU seconds of the cluster's postmaster and every process it started; 0 without a data folder.</summary>
    private static double ServerCpuSeconds(string? dataFolder)
    {
        if (dataFolder is null)
            return 0;
        var postmaster = File.ReadLines(Path.Combine(dataFolder, "postmaster.pid")).First().Trim();
        var ticks = 0L;
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // fields[0] is the state, [1] the parent pid, [11] utime and [12] stime in clock ticks, and [13] and [14] those
                // of children that ended (the postmaster's count backends that exited).
                if (Path.GetFileName(dir) == postmaster)
                    ticks += fields.Skip(11).Take(4).Sum(f => long.Parse(f, CultureInfo.InvariantCulture));
                else if (fields[1] == postmaster)
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we read it.
            }
        }
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}

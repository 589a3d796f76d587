using System.Globalization;
using Newsletter.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Newsletter.Tests.Sending;

/// <summary>
/// Three `newsletter run` processes (the real executable) on one PostgreSQL store and one SMTP server on 127.0.0.1 share one
/// send with no coordinator but the store: Hangfire hands each process batches from the shared queue, and the delivery log's
/// claims keep any message from going out twice. One process is killed with SIGKILL mid-send; the other two finish its part.
/// </summary>
/// <remarks>
/// Runs alone (the Hangfire collection does not run in parallel): the SMTP server that stamps each acceptance lives in the test
/// process, where other test classes' work would add to the lag it measures.
/// </remarks>
[Collection(HangfireCollection.Name)]
public sealed class SeveralSendersTests(PostgreSqlDatabaseFixture database, ITestOutputHelper output)
    : IClassFixture<PostgreSqlDatabaseFixture>, IAsyncLifetime
{
    private const int Subscribers = 480;
    private const int PerSecond = 40;
    private const int ConnectionsPerProcess = 2;
    private const int WorkerTimeoutSeconds = 10;
    private readonly TestEnvironment _environment = new();
    private readonly FaultySmtpServer _smtp = new();
    private IReadOnlyList<string> _subscribers = [];

    public async Task InitializeAsync()
    {
        await _smtp.StartAsync();
        _environment.UseSmtp(_smtp.Port);
        _subscribers = _environment.AddCsvList("readers", Subscribers);
        _environment.Settings["Newsletter:Store:Provider"] = "PostgreSql";
        _environment.Settings["Newsletter:Store:ConnectionString"] = database.ConnectionString;
        _environment.Settings["Newsletter:Delivery:BatchSize"] = "20";
        _environment.Settings["Newsletter:Jobs:WorkerCount"] = ConnectionsPerProcess.ToString(CultureInfo.InvariantCulture);
        _environment.Settings["Newsletter:Sending:Connections"] = ConnectionsPerProcess.ToString(CultureInfo.InvariantCulture);
        // One limit for the three together: 480 messages take 12 s, long enough for the kill to land mid-send.
        _environment.Settings["Newsletter:Sending:PerSecond"] = PerSecond.ToString(CultureInfo.InvariantCulture);
        _environment.Settings["Newsletter:Sending:WorkerTimeoutSeconds"] = WorkerTimeoutSeconds.ToString(CultureInfo.InvariantCulture);
        _environment.Settings["Newsletter:Schedule:Enabled"] = "false";
        // Three web servers on one machine: each takes a free port.
        _environment.Settings["Newsletter:Web:Urls"] = "http://127.0.0.1:0";
    }

    public async Task DisposeAsync()
    {
        await _smtp.DisposeAsync();
        _environment.Dispose();
    }

    /// <remarks>
    /// Rate, measured at the server. The shared limiter admits one message every 25 ms across the three processes; the server
    /// stamps each on acceptance, after a PostgreSQL claim, the message build and SMTP, and spread in that lag can move a
    /// message or three into the same second. Stated tolerance: 3 messages (7.5 %) over the limit in any one-second window
    /// (seen: 39); and over the whole send, no faster than the limit (480 messages take at least 11 s).
    /// </remarks>
    [Fact]
    public async Task ThreeRunProcesses_SplitOneSendWithinTheSharedRateLimit_AndTheSurvivorsFinishAKilledOnesPart()
    {
        Assert.Equal(0, (await CliProcess.RunAsync(_environment, null, "stories", "import", Path.Combine(RepoPaths.Root, "stories"))).ExitCode);
        Assert.Equal(0, (await CliProcess.RunAsync(_environment, null, "issue", "compose", "--date", "2026-04-06")).ExitCode);

        var workers = Enumerable.Range(0, 3).Select(_ => CliProcess.Start(_environment, null, "run")).ToList();
        try
        {
            await Poll.UntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM hangfire.server") >= 3, TimeSpan.FromMinutes(2),
                "three Hangfire servers registered in PostgreSQL");

            var send = await CliProcess.RunAsync(_environment, null, "send", "1", "--list", "readers");
            Assert.True(send.ExitCode == 0, send.Output + send.Error);

            // Kill, mid-send, a process that has sent some of it.
            await _smtp.WaitForMessagesAsync(Subscribers / 3, TimeSpan.FromMinutes(3));
            var sentBeforeKill = await SentByProcessAsync();
            var victim = workers.First(w => sentBeforeKill.GetValueOrDefault(w.Process.Id) > 0);
            var victimPid = victim.Process.Id;
            victim.KillHard();
            await victim.Process.WaitForExitAsync();
            var receivedAtKill = _smtp.Received.Count;

            await Poll.UntilAsync(async () => await ScalarAsync<string>("SELECT state FROM sends") == "finished", TimeSpan.FromMinutes(3),
                "the send finished");
            var sentBy = await SentByProcessAsync();
            var status = await CliProcess.RunAsync(_environment, null, "status", "1", "--json");
            using var json = System.Text.Json.JsonDocument.Parse(status.Output);
            var uncertain = json.RootElement.GetProperty("uncertain").GetInt32();

            var perRecipient = _smtp.Received.SelectMany(m => m.EnvelopeTo).GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());
            var doubled = perRecipient.Count(kv => kv.Value > 1);
            var busiest = _smtp.MaxAcceptedInAnyWindow(TimeSpan.FromSeconds(1));
            var span = _smtp.AcceptedAt.Max() - _smtp.AcceptedAt.Min();
            output.WriteLine($"{_smtp.Received.Count} messages over {span.TotalSeconds:0.0} s; busiest one-second window {busiest} (limit {PerSecond}). " +
                             $"Sent per process (pid: count, from the delivery log): {string.Join(", ", sentBy.Select(kv => $"{kv.Key}: {kv.Value}"))}; " +
                             $"process {victimPid} killed after {sentBeforeKill[victimPid]} of its own, {receivedAtKill} received in all. " +
                             $"{uncertain} resent as uncertain, {doubled} received twice.");

            Assert.Equal(Subscribers, json.RootElement.GetProperty("sent").GetInt32());
            Assert.Equal(_subscribers.Order(), perRecipient.Keys.Order());
            Assert.All(workers.Where(w => w != victim), w => Assert.True(sentBy.GetValueOrDefault(w.Process.Id) > 0, $"process {w.Process.Id} sent nothing"));
            Assert.True(sentBy.Keys.Except(workers.Select(w => w.Process.Id)).Count() == 0, "something else sent");
            // The survivors sent what the victim left: everything it had not recorded as sent when it died.
            Assert.True(sentBy.Where(kv => kv.Key != victimPid).Sum(kv => kv.Value) >= Subscribers - sentBy.GetValueOrDefault(victimPid));
            // Duplicates: only what the killed process had on the wire (one per connection), each reported as uncertain.
            Assert.InRange(uncertain, 0, ConnectionsPerProcess);
            Assert.InRange(doubled, 0, uncertain);
            Assert.InRange(busiest, 1, PerSecond + 3);
            Assert.True(span >= TimeSpan.FromSeconds(Subscribers / PerSecond - 1), $"{Subscribers} messages in {span}: faster than {PerSecond}/s");
        }
        finally
        {
            foreach (var worker in workers)
            {
                if (!worker.Process.HasExited)
                {
                    worker.KillHard();
                }
                var result = await worker.WaitAsync(TimeSpan.FromSeconds(30));
                output.WriteLine($"--- run (pid {worker.Process.Id}), exit {result.ExitCode}:\n{Tail(result.Error)}");
                worker.Dispose();
            }
        }
    }

    /// <summary>Deliveries recorded sent, by the process id in the claiming worker's id (host/pid/random).</summary>
    private async Task<Dictionary<int, int>> SentByProcessAsync()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT split_part(claimed_by, '/', 2)::int, count(*)::int FROM deliveries WHERE state = 'sent' GROUP BY 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var sent = new Dictionary<int, int>();
        while (await reader.ReadAsync())
        {
            sent[reader.GetInt32(0)] = reader.GetInt32(1);
        }
        return sent;
    }

    private async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        try
        {
            return await command.ExecuteScalarAsync() is T value ? value : default;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return default; // Not created yet by the processes starting up.
        }
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "…" + text[^4000..];
}

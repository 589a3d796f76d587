using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Tests.Support;
using Newsletter.Tests.Web;
using Newsletter.Worker.Publishing;
using Npgsql;
using Xunit.Abstractions;

namespace Newsletter.Tests.Sending;

/// <summary>
/// The PostgreSQL store goes away in the middle of a real send (a cluster of the test's own, really stopped and restarted,
/// real SMTP on 127.0.0.1): what the workers knew when it went is written when it is back, their claims are settled, and the
/// send finishes on its own with every reader mailed once.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class StoreOutageTests(StoreOutageTests.OwnPostgreSql postgres, ITestOutputHelper output)
    : IClassFixture<StoreOutageTests.OwnPostgreSql>, IAsyncLifetime
{
    private const int Subscribers = 300;
    private const int WorkerTimeoutSeconds = 6;
    private readonly TestEnvironment _environment = new();
    private readonly FaultySmtpServer _smtp = new();
    private IReadOnlyList<string> _subscribers = [];
    private string _database = "";

    /// <summary>A PostgreSQL cluster for this class alone: the tests stop and restart it, which the shared one cannot allow.</summary>
    public sealed class OwnPostgreSql : IAsyncLifetime
    {
        public PostgreSqlServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await PostgreSqlServer.StartOwnAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    public async Task InitializeAsync()
    {
        _database = await postgres.Server.CreateDatabaseAsync();
        await _smtp.StartAsync();
        _environment.UseSmtp(_smtp.Port);
        _subscribers = _environment.AddCsvList("readers", Subscribers);
        _environment.Settings["Newsletter:Store:Provider"] = "PostgreSql";
        _environment.Settings["Newsletter:Store:ConnectionString"] = _database;
        _environment.Settings["Newsletter:Delivery:BatchSize"] = "25";
        _environment.Settings["Newsletter:Jobs:WorkerCount"] = "2";
        _environment.Settings["Newsletter:Sending:Connections"] = "2";
        // 300 messages take 6 s: the store goes away with most of the send still to do.
        _environment.Settings["Newsletter:Sending:PerSecond"] = "50";
        _environment.Settings["Newsletter:Sending:WorkerTimeoutSeconds"] = WorkerTimeoutSeconds.ToString(CultureInfo.InvariantCulture);
        _environment.Settings["Newsletter:Schedule:Enabled"] = "false";
        _environment.Settings["Newsletter:Web:Urls"] = "http://127.0.0.1:0";
    }

    public async Task DisposeAsync()
    {
        await _smtp.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        _environment.Dispose();
    }

    /// <remarks>
    /// The issue's case stops the database for 30 s; 12 s here is meant to behave the same (not run with 30 s): it is longer than the
    /// worker timeout (6 s), so when the server is back every worker's heartbeat is stale and any worker could take every
    /// other worker's claims for abandoned ones.
    /// </remarks>
    [Fact]
    public async Task Send_FinishesWithEveryReaderMailedOnce_WhenPostgreSqlIsStoppedAndStartedMidSend()
    {
        await using var worker = await RunningWorker.StartAsync(_environment);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await worker.Services.GetRequiredService<IssuePublisher>().PublishAsync(RunningWorker.FirstWeek, ["readers"], _ => { }, timeout.Token);
        await _smtp.WaitForMessagesAsync(Subscribers / 5, TimeSpan.FromMinutes(2));

        await postgres.Server.StopAsync();
        HttpStatusCode healthWhileDown;
        CliProcess.Result statusWhileDown;
        try
        {
            using var client = worker.Client();
            using (var health = await client.GetAsync("/healthz"))
            {
                healthWhileDown = health.StatusCode;
            }
            statusWhileDown = await CliProcess.RunAsync(_environment, null, "status", "1");
            await Task.Delay(TimeSpan.FromSeconds(12));
        }
        finally
        {
            await postgres.Server.StartAgainAsync();
        }

        await WaitUntilFinishedAsync(TimeSpan.FromMinutes(2));
        var unreachable = worker.Logs.Lines.Count(l => l.Contains("cannot be reached", StringComparison.Ordinal) && l.Contains("Newsletter.Storage", StringComparison.Ordinal));
        output.WriteLine(string.Join(Environment.NewLine, worker.Logs.Lines.Where(l => l.Contains("Newsletter.Storage", StringComparison.Ordinal))));

        AssertEveryReaderMailedOnce();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, healthWhileDown);
        Assert.True(statusWhileDown.ExitCode == 2, statusWhileDown.Output + statusWhileDown.Error);
        Assert.Single(statusWhileDown.Error.Trim().Split('\n'));
        Assert.Equal(1, unreachable);
        Assert.Contains(worker.Logs.Lines, l => l.Contains("answers again", StringComparison.Ordinal));
        Assert.DoesNotContain(worker.Logs.Lines, l => l.Contains("Password", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The issue's reproduction: two real `newsletter run` processes share the send, and the server restarts under them.</summary>
    [Fact]
    public async Task TwoRunProcesses_FinishTheSendWithEveryReaderMailedOnce_WhenPostgreSqlRestartsMidSend()
    {
        Assert.Equal(0, (await CliProcess.RunAsync(_environment, null, "stories", "import", Path.Combine(RepoPaths.Root, "stories"))).ExitCode);
        Assert.Equal(0, (await CliProcess.RunAsync(_environment, null, "issue", "compose", "--date", "2026-04-06")).ExitCode);
        var workers = Enumerable.Range(0, 2).Select(_ => CliProcess.Start(_environment, null, "run")).ToList();
        try
        {
            await Poll.UntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM hangfire.server") >= 2, TimeSpan.FromMinutes(2),
                "two Hangfire servers registered");
            var send = await CliProcess.RunAsync(_environment, null, "send", "1", "--list", "readers");
            Assert.True(send.ExitCode == 0, send.Output + send.Error);
            await _smtp.WaitForMessagesAsync(Subscribers / 5, TimeSpan.FromMinutes(2));

            await postgres.Server.RestartAsync();

            await WaitUntilFinishedAsync(TimeSpan.FromMinutes(2));
            AssertEveryReaderMailedOnce();
            var status = await CliProcess.RunAsync(_environment, null, "status", "1", "--json");
            Assert.True(status.ExitCode == 0, status.Output + status.Error);
            using var json = System.Text.Json.JsonDocument.Parse(status.Output);
            Assert.Equal(Subscribers, json.RootElement.GetProperty("sent").GetInt32());
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
                output.WriteLine($"--- run (pid {worker.Process.Id}), exit {result.ExitCode}:\n{(result.Error.Length <= 6000 ? result.Error : "…" + result.Error[^6000..])}");
                worker.Dispose();
            }
        }
    }

    private void AssertEveryReaderMailedOnce()
    {
        var perRecipient = _smtp.Received.SelectMany(m => m.EnvelopeTo).GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"{_smtp.Received.Count} messages received for {perRecipient.Count} readers; twice: " +
                         string.Join(", ", perRecipient.Where(kv => kv.Value > 1).Select(kv => kv.Key)));
        Assert.Equal(_subscribers.Order(), perRecipient.Keys.Order());
        Assert.All(perRecipient, kv => Assert.True(kv.Value == 1, $"{kv.Key} was mailed {kv.Value} times"));
    }

    private async Task WaitUntilFinishedAsync(TimeSpan timeout)
    {
        try
        {
            await Poll.UntilAsync(async () => await ScalarAsync<string>("SELECT state FROM sends") == "finished", timeout, "the send finished on its own");
        }
        catch (TimeoutException)
        {
            var send = await ScalarAsync<string>("SELECT state || coalesce(' (' || pause_reason || ')', '') FROM sends");
            var deliveries = await ScalarAsync<string>(
                "SELECT string_agg(state || ' ' || n, ', ') FROM (SELECT state, count(*) AS n FROM deliveries GROUP BY state) AS counts");
            throw new TimeoutException($"The send did not finish within {timeout}: it is {send}; deliveries {deliveries}; " +
                                       $"{_smtp.Received.Count} messages received for {Subscribers} readers.");
        }
    }

    private async Task<T?> ScalarAsync<T>(string sql)
    {
        try
        {
            await using var connection = new NpgsqlConnection(_database);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            return await command.ExecuteScalarAsync() is T value ? value : default;
        }
        catch (NpgsqlException)
        {
            return default; // Not created yet by the processes starting up, or the server still starting.
        }
    }
}

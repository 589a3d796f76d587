using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Newsletter.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Newsletter.Tests.Clicks;

/// <summary>
/// Two `newsletter run` processes (the real executable) on one PostgreSQL store count the same links at once, each click an
/// atomic increment of its link's hour: none is lost.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed partial class ConcurrentClicksTests(PostgreSqlDatabaseFixture database, ITestOutputHelper output)
    : IClassFixture<PostgreSqlDatabaseFixture>, IDisposable
{
    /// <summary>The issue's figure; the benchmark has no longer run of this (2,000 runs in a few seconds here).</summary>
    private const int Clicks = 2000;
    private const int InFlight = 64;
    private const string Browser = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
    private readonly TestEnvironment _environment = new();

    [GeneratedRegex(@"Worker running on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();

    [Fact]
    public async Task TwoRunProcesses_CountConcurrentClicksOnOnePostgreSql_WithoutLosingAny()
    {
        _environment.AddCsvList("readers", 3);
        _environment.Settings["Newsletter:Store:Provider"] = "PostgreSql";
        _environment.Settings["Newsletter:Store:ConnectionString"] = database.ConnectionString;
        _environment.Settings["Newsletter:Tracking:Clicks"] = "true";
        _environment.Settings["Newsletter:Schedule:Enabled"] = "false";
        _environment.Settings["Newsletter:Web:Urls"] = "http://127.0.0.1:0";
        Assert.Equal(0, (await CliProcess.RunAsync(_environment, null, "stories", "import", Path.Combine(RepoPaths.Root, "stories"))).ExitCode);
        Assert.Equal(0, (await CliProcess.RunAsync(_environment, null, "issue", "compose", "--date", "2026-04-06")).ExitCode);
        // Scheduled for tomorrow: the issue is rendered and its links stored now, and nothing is sent.
        var send = await CliProcess.RunAsync(_environment, null, "send", "1", "--list", "readers", "--at", DateTimeOffset.Now.AddDays(1).ToString("yyyy-MM-dd'T'HH:mmzzz", CultureInfo.InvariantCulture));
        Assert.True(send.ExitCode == 0, send.Output + send.Error);
        var links = await LinkPathsAsync();

        var workers = Enumerable.Range(0, 2).Select(_ => CliProcess.Start(_environment, null, "run")).ToList();
        try
        {
            var bases = new List<string>();
            foreach (var worker in workers)
                bases.Add((await worker.WaitForOutputAsync(Listening(), TimeSpan.FromMinutes(2))).Groups[1].Value);

            using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = InFlight }) { Timeout = TimeSpan.FromSeconds(60) };
            var started = System.Diagnostics.Stopwatch.StartNew();
            var redirected = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, Clicks), new ParallelOptions { MaxDegreeOfParallelism = InFlight }, async (i, ct) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, bases[i % 2] + links[i % links.Count]);
                request.Headers.TryAddWithoutValidation("User-Agent", Browser);
                using var response = await http.SendAsync(request, ct);
                if (response.StatusCode == HttpStatusCode.Found) Interlocked.Increment(ref redirected);
            });
            var elapsed = started.Elapsed;
            Assert.Equal(Clicks, redirected);

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            long counted;
            while ((counted = await CountedAsync()) < Clicks && DateTime.UtcNow < deadline) await Task.Delay(200);
            await Task.Delay(1000); // nothing more may arrive
            counted = await CountedAsync();
            output.WriteLine($"{Clicks} clicks over {links.Count} links, {InFlight} at a time, to two processes: redirected in {elapsed.TotalSeconds:0.0} s; {counted} counted.");

            Assert.Equal(Clicks, counted);
            // Each link got its share, whichever process counted it.
            var expected = Enumerable.Range(0, Clicks).GroupBy(i => int.Parse(links[i % links.Count].Split('/')[3], CultureInfo.InvariantCulture))
                .ToDictionary(g => g.Key, g => (long)g.Count());
            Assert.Equal(expected.OrderBy(kv => kv.Key), (await PerLinkAsync()).OrderBy(kv => kv.Key));
        }
        finally
        {
            foreach (var worker in workers)
            {
                if (!worker.Process.HasExited) worker.KillHard();
                await worker.WaitAsync(TimeSpan.FromSeconds(30));
                worker.Dispose();
            }
        }
    }

    private async Task<List<string>> LinkPathsAsync()
    {
        // The signed paths are what the messages would hold; read them from a rendering of the issue as stored.
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT html FROM issue_renderings WHERE issue_number = 1", connection);
        var html = (string)(await command.ExecuteScalarAsync())!;
        return TrackedPath().Matches(html).Select(m => m.Groups[1].Value).Distinct().ToList();
    }

    [GeneratedRegex(@"https://newsletter\.test(/r/1/\d+/[A-Za-z0-9_-]+)")]
    private static partial Regex TrackedPath();

    private async Task<long> CountedAsync()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT COALESCE(sum(clicks), 0)::bigint FROM link_clicks", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<Dictionary<int, long>> PerLinkAsync()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT link_id, sum(clicks)::bigint FROM link_clicks GROUP BY link_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<int, long>();
        while (await reader.ReadAsync()) counts[reader.GetInt32(0)] = reader.GetInt64(1);
        return counts;
    }

    public void Dispose() => _environment.Dispose();
}

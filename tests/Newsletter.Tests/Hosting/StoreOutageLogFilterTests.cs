using Hangfire.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newsletter.Storage;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;
using Npgsql;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// Hangfire's retry warnings while the store is down, through a real host's logging with its real <see cref="StoreOutage"/>,
/// about a real PostgreSQL connection terminated the way a restart terminates it (57P01).
/// </summary>
public sealed class StoreOutageLogFilterTests(PostgreSqlDatabaseFixture database) : IClassFixture<PostgreSqlDatabaseFixture>, IDisposable
{
    private const string RetryWarning = "Failed to process the job '42': an exception occurred. Retry attempt 1 of 5 will be performed in 00:00:34.";
    private readonly TestEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    /// <summary>What a command on a pooled connection throws when the server ends that connection (a fast shutdown or restart).</summary>
    private async Task<PostgresException> TerminatedConnectionAsync()
    {
        await using var victim = new NpgsqlConnection(database.ConnectionString);
        await victim.OpenAsync();
        await using var killer = new NpgsqlConnection(database.ConnectionString);
        await killer.OpenAsync();
        await using (var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", killer))
        {
            terminate.Parameters.AddWithValue("pid", victim.ProcessID);
            await terminate.ExecuteScalarAsync();
        }
        await using var query = new NpgsqlCommand("SELECT 1", victim);
        return await Assert.ThrowsAsync<PostgresException>(() => query.ExecuteScalarAsync());
    }

    /// <summary>What Npgsql throws when a command is given a connection that is not open: a pooled one the outage broke.</summary>
    private async Task<InvalidOperationException> ConnectionNotOpenAsync()
    {
        await using var closed = new NpgsqlConnection(database.ConnectionString);
        await using var query = new NpgsqlCommand("SELECT 1", closed);
        return await Assert.ThrowsAsync<InvalidOperationException>(() => query.ExecuteScalarAsync());
    }

    private Microsoft.Extensions.Hosting.IHost PostgreSqlHost(LogCapture capture)
    {
        _environment.Settings["Newsletter:Store:Provider"] = "PostgreSql";
        _environment.Settings["Newsletter:Store:ConnectionString"] = database.ConnectionString;
        var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings));
        host.Services.GetRequiredService<ILoggerFactory>().AddProvider(capture);
        return host;
    }

    [Fact]
    public async Task HangfireWarnings_AreFoldedIntoTheOutagesOneLine_WhileTheStoreIsDownAndAsItComesBack()
    {
        var capture = new LogCapture();
        using var host = PostgreSqlHost(capture);
        var terminated = await TerminatedConnectionAsync();
        Assert.Equal("57P01", terminated.SqlState);
        var hangfire = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Hangfire.AutomaticRetryAttribute");

        var notOpen = await ConnectionNotOpenAsync();
        var outage = host.Services.GetRequiredService<StoreOutage>();
        var hangfireLock = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Hangfire.PostgreSql.PostgreSqlDistributedLock");

        outage.Failed(terminated);
        hangfireLock.LogWarning(notOpen, "hangfire:recurring-jobs:lock: Failed to acquire lock");
        hangfire.LogWarning(new JobPerformanceException("An exception occurred during performance of the job.", terminated), RetryWarning);
        // Hangfire writes a job's failure, and logs its retry, only once its storage answers again.
        outage.Succeeded();
        hangfire.LogWarning(new JobPerformanceException("An exception occurred during performance of the job.", terminated), RetryWarning);

        Assert.Single(capture.Lines, l => l.Contains("cannot be reached", StringComparison.Ordinal));
        Assert.DoesNotContain(capture.Lines, l => l.Contains("Hangfire", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HangfireWarnings_AreLogged_WhenTheStoreIsUpOrTheCauseIsAnother()
    {
        var capture = new LogCapture();
        using var host = PostgreSqlHost(capture);
        var terminated = await TerminatedConnectionAsync();
        var outage = host.Services.GetRequiredService<StoreOutage>();
        var hangfire = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Hangfire.AutomaticRetryAttribute");

        var notOpen = await ConnectionNotOpenAsync();

        // Never known to be down: a 57P01, or a connection that is not open, is Hangfire's to report.
        hangfire.LogWarning(terminated, RetryWarning + " (store up)");
        hangfire.LogWarning(notOpen, RetryWarning + " (not open, store up)");
        // Down, but the job failed for a reason of its own.
        outage.Failed(terminated);
        hangfire.LogWarning(new JobPerformanceException("An exception occurred during performance of the job.", new InvalidOperationException("a bug")), RetryWarning + " (a bug)");
        // Back again: a connection that is not open is no longer the outage's.
        outage.Succeeded();
        hangfire.LogWarning(notOpen, RetryWarning + " (not open, store back)");

        Assert.Equal(["(store up)", "(not open, store up)", "(a bug)", "(not open, store back)"],
            capture.Lines.Where(l => l.Contains("Retry attempt", StringComparison.Ordinal)).Select(l => l[l.LastIndexOf('(')..]));
    }
}

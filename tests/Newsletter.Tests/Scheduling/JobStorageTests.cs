using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;
using Npgsql;

namespace Newsletter.Tests.Scheduling;

/// <summary>Hangfire's jobs live in the store's database when it is PostgreSQL (the SQLite default is what every other job test uses).</summary>
[Collection(HangfireCollection.Name)]
public sealed class JobStorageTests(PostgreSqlDatabaseFixture database) : IClassFixture<PostgreSqlDatabaseFixture>, IDisposable
{
    private readonly TestEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    [Fact]
    public async Task JobStorage_IsHangfirePostgreSqlInTheStoresDatabase_WhenTheStoreIsPostgreSql()
    {
        _environment.Settings["Newsletter:Store:Provider"] = "PostgreSql";
        _environment.Settings["Newsletter:Store:ConnectionString"] = database.ConnectionString;
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings));

        // Hangfire logs through a process-wide provider: point it at this host's logging before the storage logs its install.
        host.Services.GetRequiredService<IGlobalConfiguration>();
        var storage = host.Services.GetRequiredService<JobStorage>();
        using (storage.GetConnection())
        {
        }

        Assert.IsType<PostgreSqlStorage>(storage);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'hangfire' AND tablename IN ('job', 'server')", connection);
        Assert.Equal(2L, await command.ExecuteScalarAsync());
    }

}

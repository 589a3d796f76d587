using Newsletter.Storage;
using Newsletter.Tests.Support;
using Npgsql;

namespace Newsletter.Tests.Storage;

/// <summary>What only the PostgreSQL store does: migrations shared by processes starting at once, and commit durability per use.</summary>
public sealed class PostgreSqlDatabaseTests : IAsyncLifetime
{
    private PostgreSqlServer _server = null!;
    private string _connectionString = "";

    public async Task InitializeAsync()
    {
        _server = await PostgreSqlServer.SharedAsync();
        _connectionString = await _server.CreateDatabaseAsync();
    }

    public Task DisposeAsync() => _server.DropDatabaseAsync(_connectionString);

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task InitializeAsync_MigratesOnce_WhenSixProcessesStartAtOnce()
    {
        var databases = Enumerable.Range(0, 6).Select(_ => new PostgreSqlDatabase(_connectionString)).ToList();

        await Task.WhenAll(databases.Select(d => Task.Run(() => d.InitializeAsync(CancellationToken.None))));

        Assert.Equal(PostgreSqlSchema.CurrentVersion, await ScalarAsync<long>("SELECT count(*) FROM schema_version"));
        Assert.Equal(PostgreSqlSchema.CurrentVersion, await ScalarAsync<int>("SELECT max(version) FROM schema_version"));
        foreach (var database in databases)
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task InitializeAsync_Throws_WhenTheDatabaseHasANewerSchemaVersion()
    {
        await using (var first = new PostgreSqlDatabase(_connectionString))
        {
            await first.InitializeAsync(CancellationToken.None);
        }
        await ScalarAsync<object?>("INSERT INTO schema_version (version) VALUES (99)");

        await using var later = new PostgreSqlDatabase(_connectionString);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => later.InitializeAsync(CancellationToken.None));

        Assert.Contains("schema version 99", error.Message);
    }

    [Fact]
    public async Task OpenForDeliveryLog_CommitsAsynchronously_WhileOtherConnectionsCommitDurably()
    {
        await using var database = new PostgreSqlDatabase(_connectionString);

        await using var deliveryLog = (NpgsqlConnection)await database.OpenForDeliveryLogAsync(CancellationToken.None);
        await using var durable = (NpgsqlConnection)await database.OpenAsync(CancellationToken.None);

        await using var relaxed = new NpgsqlCommand("SHOW synchronous_commit", deliveryLog);
        await using var full = new NpgsqlCommand("SHOW synchronous_commit", durable);
        Assert.Equal(("off", "on"), ((string)(await relaxed.ExecuteScalarAsync())!, (string)(await full.ExecuteScalarAsync())!));
    }
}

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

    public Task DisposeAsync() => _server.DropDatabaseAsync(new NpgsqlConnectionStringBuilder(_connectionString).Database!);

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

    [Fact]
    public async Task InitializeAsync_UpgradesAVersion2Store_SoItsSendsCanStoreTheirRenderings()
    {
        // A store written before renderings were stored: an issue and its send, no rendering.
        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await PostgreSqlSchema.ApplyAsync(connection, CancellationToken.None, targetVersion: 2);
            await using var insert = new NpgsqlCommand("""
                INSERT INTO issues (number, week_ending, composed_at, subject, snapshot_json, saved_at)
                VALUES (1, '2026-04-06', '2026-04-06T07:00:00.0000000+00:00', 'Week 14', '{}', '2026-04-06T07:00:00.0000000+00:00');
                INSERT INTO sends (id, issue_number, list_name, state, batch_size, batch_count, recipient_count, created_at)
                VALUES (1, 1, 'readers', 'running', 100, 1, 1, '2026-04-06T07:00:00.0000000+00:00');
                """, connection);
            await insert.ExecuteNonQueryAsync();
        }

        await using var upgraded = new PostgreSqlDatabase(_connectionString);
        var issues = new IssueStore(upgraded);

        Assert.Null(await issues.FindAsync(1, "readers", CancellationToken.None));
        var rendering = new Newsletter.Core.Composition.IssueRendering(1, "readers", "<p>NAME UNSUB</p>", "NAME UNSUB", "NAME", "UNSUB");
        Assert.Equal(rendering, await issues.AddOrGetAsync(rendering, CancellationToken.None));
        Assert.Equal(PostgreSqlSchema.CurrentVersion, await ScalarAsync<int>("SELECT max(version) FROM schema_version"));
    }

    [Fact]
    public async Task InitializeAsync_UpgradesAVersion1Store_SoEverySpellingMatchesItsSuppressionsAndDeliveries()
    {
        // What version 1 (matching with lower()) left behind: spellings lower() keeps apart but EmailKey joins, a precomposed é
        // and e + combining acute, and an IDN domain in Unicode and in ACE form.
        const string Composed = "\u00e9lodie@example.com", Decomposed = "e\u0301lodie@example.com";
        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await PostgreSqlSchema.ApplyAsync(connection, CancellationToken.None, targetVersion: 1);
            await using var insert = new NpgsqlCommand("""
                INSERT INTO sends (id, issue_number, list_name, state, batch_size, batch_count, recipient_count, created_at)
                VALUES (1, 1, 'news', 'running', 100, 1, 1, '2026-04-06T07:00:00.0000000+00:00'),
                       (2, 1, 'papers', 'running', 100, 1, 1, '2026-04-06T07:00:00.0000000+00:00');
                INSERT INTO deliveries (send_id, issue_number, batch_number, position, email, state)
                VALUES (2, 1, 0, 0, @decomposed, 'pending'),
                       (1, 1, 0, 0, @composed, 'sent'),
                       (1, 1, 0, 1, 'ada@EXÄMPLE.com', 'suppressed');
                INSERT INTO suppressions (email_lower, list_name, email, reason, detail, created_at)
                VALUES ('ada@exämple.com', 'readers', 'ada@EXÄMPLE.com', 'unsubscribed', 'one-click', '2026-04-01T00:00:00.0000000+00:00'),
                       ('ada@xn--exmple-cua.com', 'readers', 'ada@xn--exmple-cua.com', 'unsubscribed', 'page', '2026-04-02T00:00:00.0000000+00:00');
                INSERT INTO soft_bounces (email_lower, issue_number, email, status, created_at)
                VALUES (@composed, 1, @composed, '4.2.2', '2026-04-06T08:00:00.0000000+00:00'),
                       (@decomposed, 1, @decomposed, '4.2.2', '2026-04-06T09:00:00.0000000+00:00');
                """, connection);
            insert.Parameters.AddWithValue("composed", Composed);
            insert.Parameters.AddWithValue("decomposed", Decomposed);
            await insert.ExecuteNonQueryAsync();
        }

        await using var upgraded = new PostgreSqlDatabase(_connectionString);
        var suppressions = new SuppressionList(upgraded);
        var bounces = new BounceStore(upgraded);

        Assert.True(await suppressions.IsSuppressedAsync("ADA@exämple.com", "readers", CancellationToken.None));
        var ada = Assert.Single(await suppressions.ListAsync(CancellationToken.None));
        Assert.Equal("ada@EXÄMPLE.com", ada.Email);
        Assert.Equal(1, (await bounces.FindLastSentAsync(Decomposed, CancellationToken.None))?.IssueNumber);
        Assert.Equal(PostgreSqlSchema.CurrentVersion, await ScalarAsync<int>("SELECT max(version) FROM schema_version"));
        // The sent delivery keeps the key; the other spelling's pending one is cancelled and keyless, so the issue goes once.
        Assert.Equal("cancelled", await ScalarAsync<string>("SELECT state || coalesce(email_key, '') FROM deliveries WHERE send_id = 2"));
        Assert.Equal(Composed, await ScalarAsync<string>("SELECT email_key FROM deliveries WHERE state = 'sent'"));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM soft_bounces"));
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<object?>($"""
            INSERT INTO deliveries (send_id, issue_number, batch_number, position, email, email_key, state)
            VALUES (2, 1, 0, 5, 'x', '{Composed}', 'pending')
            """));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
    }
}

using Dapper;
using Microsoft.Data.Sqlite;
using Newsletter.Storage;
using Newsletter.Tests.Bounces;

namespace Newsletter.Tests.Storage;

public sealed class SqliteDatabaseTests : IDisposable
{
    private readonly TempDatabase _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task OpenAsync_CreatesFileAndFolder_WhenFolderIsMissing()
    {
        await using var connection = await _temp.Database.OpenAsync(CancellationToken.None);

        Assert.True(File.Exists(_temp.FilePath));
    }

    [Fact]
    public async Task OpenAsync_ReturnsConnectionInWalModeWithBusyTimeoutAndForeignKeys_WhenOpened()
    {
        // Also proves the SQLite native library loads in a process that references Hangfire.Storage.SQLite too.
        await using var connection = await _temp.Database.OpenAsync(CancellationToken.None);

        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal((int)SqliteDatabase.BusyTimeout.TotalMilliseconds, await connection.ExecuteScalarAsync<int>("PRAGMA busy_timeout"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("PRAGMA foreign_keys"));
    }

    [Fact]
    public async Task OpenAsync_ReturnsConfiguredConnections_WhenThePoolReusesOrReplacesPhysicalConnections()
    {
        // The settings are applied once per physical connection: a reused one must still have them, and so must every new
        // one (two open at once are two physical connections; clearing the pool makes fresh ones).
        for (var round = 0; round < 3; round++)
        {
            await using var first = await _temp.Database.OpenAsync(CancellationToken.None);
            await using var second = await _temp.Database.OpenAsync(CancellationToken.None);
            foreach (var connection in new[] { first, second })
            {
                Assert.Equal((int)SqliteDatabase.BusyTimeout.TotalMilliseconds, await connection.ExecuteScalarAsync<int>("PRAGMA busy_timeout"));
                Assert.Equal(1, await connection.ExecuteScalarAsync<int>("PRAGMA foreign_keys"));
                Assert.Equal(1, await connection.ExecuteScalarAsync<int>("PRAGMA synchronous")); // NORMAL
            }
            if (round == 1)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            }
        }
    }

    [Fact]
    public async Task InitializeAsync_LeavesSchemaAtCurrentVersion_WhenRunFromTwoInstancesOnOneFile()
    {
        await _temp.Database.InitializeAsync(CancellationToken.None);
        var second = new SqliteDatabase(_temp.FilePath);
        await second.InitializeAsync(CancellationToken.None);

        await using var connection = await second.OpenAsync(CancellationToken.None);
        Assert.Equal(Schema.CurrentVersion, await connection.ExecuteScalarAsync<int>("PRAGMA user_version"));
    }

    [Fact]
    public async Task InitializeAsync_Throws_WhenFileHasNewerSchemaVersion()
    {
        await using (var connection = await _temp.Database.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("PRAGMA user_version = 99");
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new SqliteDatabase(_temp.FilePath).InitializeAsync(CancellationToken.None));
        Assert.Contains("schema version 99", error.Message);
    }

    [Fact]
    public async Task InitializeAsync_UpgradesAVersion1Database_WithoutTouchingItsDeliveries()
    {
        // A store written before bounces existed: migration 1 only, one delivery sent.
        Directory.CreateDirectory(Path.GetDirectoryName(_temp.FilePath)!);
        await using (var connection = new SqliteConnection($"Data Source={_temp.FilePath}"))
        {
            await connection.OpenAsync(CancellationToken.None);
            await Schema.ApplyAsync(connection, CancellationToken.None, targetVersion: 1);
            await connection.ExecuteAsync("""
                INSERT INTO sends (id, issue_number, list_name, state, batch_size, batch_count, recipient_count, created_at)
                VALUES (1, 1, 'readers', 'finished', 100, 1, 1, '2026-04-06T07:00:00.0000000+00:00');
                INSERT INTO deliveries (send_id, issue_number, batch_number, position, email, state)
                VALUES (1, 1, 0, 0, 'grace@example.net', 'sent');
                """);
        }
        SqliteConnection.ClearAllPools();

        var upgraded = new SqliteDatabase(_temp.FilePath);
        var store = new BounceStore(upgraded);

        Assert.Equal(1, (await store.FindLastSentAsync("grace@example.net", CancellationToken.None))?.IssueNumber);
        Assert.Equal(1, await store.RecordSoftBounceAsync("grace@example.net", 1, "4.2.2", null, CancellationToken.None));
        await using var check = await upgraded.OpenAsync(CancellationToken.None);
        Assert.Equal(Schema.CurrentVersion, await check.ExecuteScalarAsync<int>("PRAGMA user_version"));
    }

    [Fact]
    public async Task InitializeAsync_UpgradesAVersion3Database_SoItsSendsCanStoreTheirRenderings()
    {
        // A store written before renderings were stored: an issue and its send, no rendering.
        Directory.CreateDirectory(Path.GetDirectoryName(_temp.FilePath)!);
        await using (var connection = new SqliteConnection($"Data Source={_temp.FilePath}"))
        {
            await connection.OpenAsync(CancellationToken.None);
            await Schema.ApplyAsync(connection, CancellationToken.None, targetVersion: 3);
            await connection.ExecuteAsync("""
                INSERT INTO issues (number, week_ending, composed_at, subject, snapshot_json, saved_at)
                VALUES (1, '2026-04-06', '2026-04-06T07:00:00.0000000+00:00', 'Week 14', '{}', '2026-04-06T07:00:00.0000000+00:00');
                INSERT INTO sends (id, issue_number, list_name, state, batch_size, batch_count, recipient_count, created_at)
                VALUES (1, 1, 'readers', 'running', 100, 1, 1, '2026-04-06T07:00:00.0000000+00:00');
                """);
        }
        SqliteConnection.ClearAllPools();

        var upgraded = new SqliteDatabase(_temp.FilePath);
        var issues = new IssueStore(upgraded);

        Assert.Null(await issues.FindAsync(1, "readers", CancellationToken.None));
        var rendering = new Newsletter.Core.Composition.IssueRendering(1, "readers", "<p>NAME UNSUB</p>", "NAME UNSUB", "NAME", "UNSUB");
        Assert.Equal(rendering, await issues.AddOrGetAsync(rendering, CancellationToken.None));
        await using var check = await upgraded.OpenAsync(CancellationToken.None);
        Assert.Equal(Schema.CurrentVersion, await check.ExecuteScalarAsync<int>("PRAGMA user_version"));
    }
}

public sealed class SqliteNativeLibraryTests : IDisposable
{
    private readonly TempDatabase _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task OpenAsync_WorksInTheSameProcessAsSqliteNet_WhenHangfireStorageSqliteIsReferenced()
    {
        // Hangfire.Storage.SQLite brings sqlite-net-pcl and SQLitePCLRaw 3.x; Microsoft.Data.Sqlite brings the 2.1.x bundle.
        // Both must load one working libe_sqlite3 side by side, as they do in the Worker.
        await using (var connection = (SqliteConnection)await _temp.Database.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("CREATE TABLE probe (id INTEGER PRIMARY KEY)");
        }

        using var sqliteNet = new SQLite.SQLiteConnection(_temp.FilePath);
        Assert.Equal(0, sqliteNet.ExecuteScalar<int>("SELECT COUNT(*) FROM probe"));
    }
}

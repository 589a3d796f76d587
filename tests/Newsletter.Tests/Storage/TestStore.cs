using Newsletter.Storage;
using Newsletter.Tests.Support;
using Npgsql;

namespace Newsletter.Tests.Storage;

/// <summary>An empty store of one provider for one test: what the store contract tests run against.</summary>
public abstract class TestStore : IAsyncDisposable
{
    /// <summary>The store as this process sees it.</summary>
    public abstract StoreDatabase Database { get; }

    /// <summary>The same store opened again, as another process or machine would: its own connections and state.</summary>
    public abstract StoreDatabase OpenAgain();

    /// <summary>Empties the store before a test.</summary>
    public abstract Task ResetAsync();

    public abstract ValueTask DisposeAsync();
}

/// <summary>A fresh SQLite file per test.</summary>
public sealed class SqliteTestStore : TestStore
{
    private readonly TempDatabase _temp = new();

    public override StoreDatabase Database => _temp.Database;

    public override StoreDatabase OpenAgain() => new SqliteDatabase(_temp.FilePath);

    public override Task ResetAsync() => Task.CompletedTask;

    public override ValueTask DisposeAsync()
    {
        _temp.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The test class's PostgreSQL database (<see cref="PostgreSqlDatabaseFixture"/>), emptied before each test.</summary>
public sealed class PostgreSqlTestStore(PostgreSqlDatabaseFixture fixture) : TestStore
{
    private readonly List<PostgreSqlDatabase> _opened = [];
    private PostgreSqlDatabase? _database;

    public override StoreDatabase Database => _database ??= Track(new PostgreSqlDatabase(fixture.ConnectionString));

    public override StoreDatabase OpenAgain() => Track(new PostgreSqlDatabase(fixture.ConnectionString));

    public override async Task ResetAsync()
    {
        await Database.InitializeAsync(CancellationToken.None);
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        // Every table but the schema's version, whatever later migrations add.
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_version'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        await using var truncate = new NpgsqlCommand($"TRUNCATE {string.Join(", ", tables)} RESTART IDENTITY CASCADE", connection);
        await truncate.ExecuteNonQueryAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var database in _opened)
        {
            await database.DisposeAsync();
        }
    }

    private PostgreSqlDatabase Track(PostgreSqlDatabase database)
    {
        _opened.Add(database);
        return database;
    }
}

/// <summary>The base of every store contract test class: a <see cref="TestStore"/> of the derived class's provider, reset before each test.</summary>
public abstract class StoreContract(TestStore store) : IAsyncLifetime
{
    protected static readonly CancellationToken None = CancellationToken.None;

    protected TestStore Store { get; } = store;

    protected StoreDatabase Database => Store.Database;

    public Task InitializeAsync() => Store.ResetAsync();

    public async Task DisposeAsync() => await Store.DisposeAsync();
}

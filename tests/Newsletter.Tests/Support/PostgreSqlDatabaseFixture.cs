namespace Newsletter.Tests.Support;

/// <summary>A PostgreSQL database of its own for one test class (CREATE DATABASE), on <see cref="PostgreSqlServer"/>; dropped after.</summary>
public sealed class PostgreSqlDatabaseFixture : IAsyncLifetime
{
    private PostgreSqlServer? _server;

    /// <summary>An Npgsql connection string to this class's database, as a superuser.</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _server = await PostgreSqlServer.SharedAsync();
        ConnectionString = await _server.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null && ConnectionString.Length > 0)
        {
            await _server.DropDatabaseAsync(new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString).Database!);
        }
    }
}

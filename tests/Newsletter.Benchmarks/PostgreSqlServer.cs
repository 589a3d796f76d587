using Npgsql;

namespace Newsletter.Benchmarks;

/// <summary>
/// The PostgreSQL server the benchmark was given (run.sh starts a throwaway cluster): each measured run gets a database of its
/// own, created empty and dropped afterwards, so every run starts from the same state as the SQLite runs do.
/// </summary>
internal sealed class PostgreSqlServer(string connectionString)
{
    /// <exception cref="InvalidOperationException">The server cannot be reached; the message names the connection string's host and port.</exception>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken ct)
    {
        await ExecuteAsync($"CREATE DATABASE \"{name}\"", ct);
        return new NpgsqlConnectionStringBuilder(connectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops the database, ending any sessions a killed worker left behind.</summary>
    public async Task DropDatabaseAsync(string name, CancellationToken ct) =>
        await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", ct);

    public string Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}";
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (NpgsqlException e)
        {
            throw new InvalidOperationException($"PostgreSQL at {Describe()} (--postgres): {e.Message}", e);
        }
    }
}

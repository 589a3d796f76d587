using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Newsletter.Storage;
using Npgsql;

namespace Newsletter.Benchmarks;

/// <summary>
/// How long the schema upgrade that brought the address key takes on a large store: a store written by the version before it
/// (SQLite 2, PostgreSQL 1) with N deliveries over 10 issues and 2 lists, then the upgrade alone, timed. Prints figures.
/// </summary>
internal static class MigrationBenchmark
{
    public const string Usage = """
        run.sh --migration [--deliveries N] [--postgres CONNECTION-STRING]
          --deliveries N    deliveries in the old store (default 1,000,000)
          --postgres CS     also measure PostgreSQL (a database is created and dropped there); store.sh --migration starts a cluster
        """;

    private const int Issues = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        var deliveries = 1_000_000;
        string? postgres = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--migration": break;
                case "--deliveries": deliveries = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--postgres": postgres = Next(); break;
                case "--postgres-data": Next(); break;
                case "--help": Console.WriteLine(Usage); return 0;
                default: Console.Error.WriteLine($"Unknown option {args[i]}.\n{Usage}"); return 2;
            }
        }

        Console.WriteLine($"Address-key migration: {deliveries:N0} deliveries over {Issues} issues; {Environment.ProcessorCount} cores");
        var folder = Directory.CreateTempSubdirectory("newsletter-migration-bench");
        try
        {
            var path = Path.Combine(folder.FullName, "newsletter.db");
            await using (var connection = new SqliteConnection($"Data Source={path}"))
            {
                await connection.OpenAsync();
                await Schema.ApplyAsync(connection, CancellationToken.None, targetVersion: 2);
                var filled = Stopwatch.StartNew();
                await connection.ExecuteAsync(Sends);
                await connection.ExecuteAsync("""
                    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < @last)
                    INSERT INTO deliveries (send_id, issue_number, batch_number, position, email, state)
                    SELECT 1 + (i % 20), 1 + (i % 10), i / 10000, i, 'Reader' || i || '@Example.com',
                           CASE WHEN i % 50 = 0 THEN 'suppressed' WHEN i % 7 = 0 THEN 'pending' ELSE 'sent' END
                    FROM n
                    """, new { last = deliveries - 1 }, commandTimeout: 3600);
                Console.WriteLine($"  SQLite: old store filled in {filled.Elapsed.TotalSeconds:F1} s ({new FileInfo(path).Length / 1_048_576} MB)");
            }

            await using (var connection = new SqliteConnection($"Data Source={path}"))
            {
                await connection.OpenAsync();
                var upgrade = Stopwatch.StartNew();
                await Schema.ApplyAsync(connection, CancellationToken.None, targetVersion: 3);
                Console.WriteLine($"  SQLite: upgrade to version 3 (address key) took {upgrade.Elapsed.TotalSeconds:F1} s");
            }

            if (postgres is not null)
            {
                var name = $"newsletter_migration_bench_{Guid.NewGuid():N}";
                await ExecuteAsync(postgres, $"CREATE DATABASE {name}");
                try
                {
                    var connectionString = new NpgsqlConnectionStringBuilder(postgres) { Database = name, CommandTimeout = 3600 }.ConnectionString;
                    await using var connection = new NpgsqlConnection(connectionString);
                    await connection.OpenAsync();
                    await PostgreSqlSchema.ApplyAsync(connection, CancellationToken.None, targetVersion: 1);
                    var filled = Stopwatch.StartNew();
                    await connection.ExecuteAsync(Sends);
                    await connection.ExecuteAsync("""
                        INSERT INTO deliveries (send_id, issue_number, batch_number, position, email, state)
                        SELECT 1 + (i % 20), 1 + (i % 10), i / 10000, i, 'Reader' || i || '@Example.com',
                               CASE WHEN i % 50 = 0 THEN 'suppressed' WHEN i % 7 = 0 THEN 'pending' ELSE 'sent' END
                        FROM generate_series(0, @last) AS i
                        """, new { last = deliveries - 1 }, commandTimeout: 3600);
                    Console.WriteLine($"  PostgreSQL: old store filled in {filled.Elapsed.TotalSeconds:F1} s");
                    var upgrade = Stopwatch.StartNew();
                    await PostgreSqlSchema.ApplyAsync(connection, CancellationToken.None, targetVersion: 2);
                    Console.WriteLine($"  PostgreSQL: upgrade to version 2 (address key) took {upgrade.Elapsed.TotalSeconds:F1} s");
                }
                finally
                {
                    NpgsqlConnection.ClearAllPools();
                    await ExecuteAsync(postgres, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                }
            }
            return 0;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    // 10 issues, each sent to 2 lists: send k is issue 1 + (k - 1) % 10.
    private const string Sends = """
        INSERT INTO sends (id, issue_number, list_name, state, batch_size, batch_count, recipient_count, created_at)
        SELECT k, 1 + ((k - 1) % 10), CASE WHEN k <= 10 THEN 'news' ELSE 'papers' END, 'finished', 1000, 1, 0, '2026-04-06T07:00:00.0000000+00:00'
        FROM (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
              UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10 UNION ALL SELECT 11 UNION ALL SELECT 12 UNION ALL SELECT 13
              UNION ALL SELECT 14 UNION ALL SELECT 15 UNION ALL SELECT 16 UNION ALL SELECT 17 UNION ALL SELECT 18 UNION ALL SELECT 19
              UNION ALL SELECT 20) AS s
        """;

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

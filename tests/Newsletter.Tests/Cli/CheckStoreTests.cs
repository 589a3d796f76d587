using Newsletter.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Newsletter.Tests.Cli;

/// <summary>
/// `newsletter check`, the real executable, on the store and Hangfire's storage: it opens them, names them (never the
/// password), reads the schema version and proves each takes writes; a store it cannot use is a ✗ line and exit code 1.
/// The relay is not involved: the pickup transport is checked as "not used".
/// </summary>
public sealed class CheckStoreTests(PostgreSqlDatabaseFixture database, ITestOutputHelper output) : IClassFixture<PostgreSqlDatabaseFixture>, IDisposable
{
    private const string Password = "store-password-5d1e";
    private readonly TestEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    private async Task<(int ExitCode, string[] Lines, string All)> CheckPostgreSqlAsync(Action<NpgsqlConnectionStringBuilder> change)
    {
        var connection = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        change(connection);
        _environment.Settings["Newsletter:Store:Provider"] = "PostgreSql";
        _environment.Settings["Newsletter:Store:ConnectionString"] = connection.ConnectionString;
        return await CheckAsync([KeyValuePair.Create("Newsletter__Store__Password", (string?)Password)]);
    }

    private async Task<(int ExitCode, string[] Lines, string All)> CheckAsync(KeyValuePair<string, string?>[]? secrets = null)
    {
        var check = await CliProcess.RunAsync(_environment, secrets, "check");
        output.WriteLine($"$ newsletter check   (exit code {check.ExitCode})\n{check.Output}\n{check.Error}");
        return (check.ExitCode, check.Output.Split('\n', StringSplitOptions.TrimEntries), check.Output + check.Error);
    }

    [Fact]
    public async Task Check_NamesTheDatabaseItsSchemaVersionAndThatBothStoresTakeWrites_WhenThePostgreSqlStoreIsRight()
    {
        var port = new NpgsqlConnectionStringBuilder(database.ConnectionString).Port;
        var name = new NpgsqlConnectionStringBuilder(database.ConnectionString).Database;

        var (exitCode, lines, all) = await CheckPostgreSqlAsync(_ => { });

        Assert.True(exitCode == 0, all);
        Assert.Contains(lines, l => l.StartsWith($"✓ store: PostgreSQL database '{name}' on 127.0.0.1:{port}, schema version ", StringComparison.Ordinal)
                                    && l.EndsWith(", writable.", StringComparison.Ordinal));
        Assert.Contains($"✓ job storage: the hangfire schema of database '{name}' on 127.0.0.1:{port}, opened and writable.", lines);
        Assert.DoesNotContain(Password, all);
    }

    [Fact]
    public async Task Check_FailsTheStoreLineNamingTheDatabase_WhenTheDatabaseDoesNotExist()
    {
        var (exitCode, lines, all) = await CheckPostgreSqlAsync(c => c.Database = "no_such_newsletter_db");

        Assert.Equal(1, exitCode);
        Assert.Contains(lines, l => l.StartsWith("✗ store: The PostgreSQL database 'no_such_newsletter_db' on 127.0.0.1:", StringComparison.Ordinal)
                                    && l.Contains("does not exist", StringComparison.Ordinal));
        Assert.Contains("- job storage: not checked: it needs the store above.", lines);
        Assert.DoesNotContain(Password, all);
    }

    [Fact]
    public async Task Check_FailsTheStoreLineWithoutThePassword_WhenTheServerRefusesTheLogin()
    {
        // The test server trusts every login it knows, so a user it does not know is how a refused login is made here.
        var (exitCode, lines, all) = await CheckPostgreSqlAsync(c => c.Username = "no_such_newsletter_user");

        Assert.Equal(1, exitCode);
        Assert.Contains(lines, l => l.StartsWith("✗ store: The PostgreSQL database", StringComparison.Ordinal)
                                    && l.Contains("refused the login", StringComparison.Ordinal) && l.Contains("Newsletter__Store__Password", StringComparison.Ordinal));
        Assert.DoesNotContain(Password, all);
    }

    [Fact]
    public async Task Check_NamesTheFilesItsSchemaVersionAndThatBothTakeWrites_WhenTheStoreIsSqlite()
    {
        var (exitCode, lines, all) = await CheckAsync();

        Assert.True(exitCode == 0, all);
        Assert.Contains(lines, l => l.StartsWith($"✓ store: SQLite {_environment.Settings["Newsletter:Store:Path"]}, schema version ", StringComparison.Ordinal)
                                    && l.EndsWith(", writable.", StringComparison.Ordinal));
        Assert.Contains($"✓ job storage: {_environment.Settings["Newsletter:Jobs:StoragePath"]}, opened and writable.", lines);
    }
}

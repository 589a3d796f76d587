using System.ComponentModel.DataAnnotations;
using Npgsql;

namespace Newsletter.Storage;

/// <summary>Where the store lives. Bound from <c>Newsletter:Store</c>; checked at start by <see cref="StoreOptionsValidator"/>.</summary>
public sealed class StoreOptions
{
    public const string SectionName = "Newsletter:Store";

    /// <summary><see cref="StoreProvider.Sqlite"/> (the default) or <see cref="StoreProvider.PostgreSql"/>.</summary>
    public StoreProvider Provider { get; set; } = StoreProvider.Sqlite;

    /// <summary>SQLite: path of the database file; a relative path is taken from the current directory. The folder is created if missing.</summary>
    [Required]
    public string Path { get; set; } = "data/newsletter.db";

    /// <summary>PostgreSQL: an Npgsql connection string (<c>Host=…;Port=5432;Database=newsletter;Username=newsletter</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// PostgreSQL: the password, from the environment only (<c>Newsletter__Store__Password</c>); it overrides one in
    /// <see cref="ConnectionString"/>, which must then also come from the environment.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>The Npgsql connection string with <see cref="Password"/> applied.</summary>
    /// <exception cref="InvalidOperationException">No connection string is set.</exception>
    /// <exception cref="ArgumentException">The connection string does not parse.</exception>
    public string PostgreSqlConnectionString()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new InvalidOperationException("Newsletter:Store:ConnectionString is empty.");
        }

        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        if (!string.IsNullOrEmpty(Password))
        {
            builder.Password = Password;
        }
        return builder.ConnectionString;
    }

    /// <summary>True when <paramref name="connectionString"/> parses and sets a password (so it must not come from a file).</summary>
    public static bool ConnectionStringHasPassword(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return false;
        }
        try
        {
            return !string.IsNullOrEmpty(new NpgsqlConnectionStringBuilder(connectionString).Password);
        }
        catch (ArgumentException)
        {
            // Unparseable: StoreOptionsValidator reports it, if PostgreSQL is the provider.
            return false;
        }
    }
}

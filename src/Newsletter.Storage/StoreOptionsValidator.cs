using Microsoft.Extensions.Options;
using Npgsql;

namespace Newsletter.Storage;

/// <summary>
/// Checks <see cref="StoreOptions"/> at start: a PostgreSQL store needs a connection string that parses. That its password
/// never comes from a settings file is checked with every other secret (the worker's <c>ConfigurationSecrets</c>).
/// </summary>
public sealed class StoreOptionsValidator : IValidateOptions<StoreOptions>
{
    private const string ConnectionStringKey = StoreOptions.SectionName + ":ConnectionString";

    public ValidateOptionsResult Validate(string? name, StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (options.Provider == StoreProvider.PostgreSql)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                errors.Add($"{ConnectionStringKey} is empty, and {StoreOptions.SectionName}:Provider is PostgreSql. Set it to an Npgsql connection " +
                           "string such as Host=db.example.com;Port=5432;Database=newsletter;Username=newsletter, with the password in " +
                           "Newsletter__Store__Password.");
            }
            else
            {
                try
                {
                    var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                    if (string.IsNullOrWhiteSpace(builder.Host))
                    {
                        errors.Add($"{ConnectionStringKey} names no Host. Add Host=<server>, e.g. Host=db.example.com;Port=5432;Database=newsletter;Username=newsletter.");
                    }
                }
                catch (ArgumentException ex)
                {
                    // The message names the offending keyword; the value itself may hold the password, so it is not repeated.
                    errors.Add($"{ConnectionStringKey} is not an Npgsql connection string: {ex.Message} Write it as Key=Value pairs separated by ';', " +
                               "e.g. Host=db.example.com;Port=5432;Database=newsletter;Username=newsletter.");
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

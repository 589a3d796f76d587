using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Newsletter.Storage;

/// <summary>
/// Checks <see cref="StoreOptions"/> at start: a PostgreSQL store needs a connection string that parses, and its password
/// never comes from a settings file (appsettings.json is copied to every machine and often committed).
/// </summary>
public sealed class StoreOptionsValidator(IConfiguration configuration) : IValidateOptions<StoreOptions>
{
    private const string ConnectionStringKey = StoreOptions.SectionName + ":ConnectionString";
    private const string PasswordKey = StoreOptions.SectionName + ":Password";

    public ValidateOptionsResult Validate(string? name, StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var file in SettingsFilesHoldingAPassword())
        {
            errors.Add($"{file} holds the database password ({PasswordKey}, or Password= in {ConnectionStringKey}). Passwords never live in the " +
                       "file: remove it there and set the environment variable Newsletter__Store__Password (or the whole connection string " +
                       "in Newsletter__Store__ConnectionString).");
        }

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

    /// <summary>The settings files (not the environment, not the command line) that set a store password.</summary>
    private IEnumerable<string> SettingsFilesHoldingAPassword()
    {
        if (configuration is not IConfigurationRoot root)
        {
            yield break;
        }

        foreach (var provider in root.Providers.OfType<FileConfigurationProvider>())
        {
            var inPasswordKey = provider.TryGet(PasswordKey, out var password) && !string.IsNullOrEmpty(password);
            var inConnectionString = provider.TryGet(ConnectionStringKey, out var connectionString) && HasPassword(connectionString);
            if (inPasswordKey || inConnectionString)
            {
                yield return provider.Source.Path ?? "A settings file";
            }
        }
    }

    private static bool HasPassword(string? connectionString)
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
            // Unparseable: reported by the connection string check, if PostgreSQL is the provider.
            return false;
        }
    }
}

using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;
using Newsletter.Storage;

namespace Newsletter.Worker.Hosting;

/// <summary>
/// The settings that are secrets, and the one rule for all of them: they come from the environment (or another
/// non-file source), never from appsettings.json or another configuration file, which gets copied, committed and backed up.
/// A secret found in a file stops the start with an error naming the key, the file and the environment variable to use.
/// </summary>
public sealed class ConfigurationSecrets
{
    /// <summary>Every secret setting the program reads. A new password or key setting belongs here.</summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        "Newsletter:Web:Dashboard:Password",
        "Newsletter:Delivery:Smtp:Password",
        "Newsletter:Bounces:Password",
        "Newsletter:Unsubscribe:SecretKey",
        "Newsletter:Store:Password",
    ];

    /// <summary>
    /// Settings that are not secrets themselves but can carry one inside: the PostgreSQL connection string's <c>Password=</c>.
    /// Each names the secret key to use instead.
    /// </summary>
    private static readonly IReadOnlyList<(string Key, Func<string, bool> HoldsSecret, string SecretKey)> Carriers =
    [
        (StoreOptions.SectionName + ":ConnectionString", StoreOptions.ConnectionStringHasPassword, StoreOptions.SectionName + ":Password"),
    ];

    /// <summary>The environment variable that sets a configuration key (<c>:</c> becomes <c>__</c>).</summary>
    public static string EnvironmentVariableFor(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>One message per secret that a configuration file sets to a non-empty value.</summary>
    public static IReadOnlyList<string> FindInFiles(IConfiguration configuration)
    {
        var failures = new List<string>();
        if (configuration is not IConfigurationRoot root) return failures;
        foreach (var provider in root.Providers.OfType<FileConfigurationProvider>())
        {
            foreach (var key in Keys)
            {
                if (provider.TryGet(key, out var value) && !string.IsNullOrEmpty(value))
                {
                    var file = provider.Source.Path ?? "a configuration file";
                    var how = provider is JsonConfigurationProvider ? $"delete \"{key.Split(':')[^1]}\" from that section of {file}" : $"remove it from {file}";
                    failures.Add($"{key} is set in {file}, but secrets are never read from a file: {how} and set the environment variable " +
                                 $"{EnvironmentVariableFor(key)} instead (and change the secret if the file was shared or committed).");
                }
            }
            foreach (var (key, holdsSecret, secretKey) in Carriers)
            {
                if (provider.TryGet(key, out var value) && !string.IsNullOrEmpty(value) && holdsSecret(value))
                {
                    // The value itself is never repeated: it holds the secret.
                    var file = provider.Source.Path ?? "a configuration file";
                    failures.Add($"{key} in {file} holds a password, but secrets are never read from a file: remove Password= there and set the " +
                                 $"environment variable {EnvironmentVariableFor(secretKey)} instead (or the whole setting in {EnvironmentVariableFor(key)}), " +
                                 "and change the password if the file was shared or committed.");
                }
            }
        }
        return failures;
    }

    /// <summary>Fails start-up validation with <see cref="FindInFiles"/>; registered by <see cref="HostingServiceCollectionExtensions.AddSecretsCheck"/>.</summary>
    internal sealed class Validator(IConfiguration configuration) : IValidateOptions<ConfigurationSecrets>
    {
        public ValidateOptionsResult Validate(string? name, ConfigurationSecrets options) =>
            FindInFiles(configuration) is { Count: > 0 } failures ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}

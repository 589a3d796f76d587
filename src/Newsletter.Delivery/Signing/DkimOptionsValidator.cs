using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Newsletter.Delivery.Signing;

/// <summary>
/// Checks <see cref="DkimOptions"/> at start-up when signing is enabled: domain and selector present and well formed,
/// and the key file present and readable as an RSA private key, so a bad key stops the host instead of every message.
/// </summary>
public sealed partial class DkimOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<DkimOptions>
{
    public ValidateOptionsResult Validate(string? name, DkimOptions options)
    {
        if (!options.Enabled)
            return ValidateOptionsResult.Success;

        var failures = new List<string>();
        const string Section = DkimOptions.SectionName;
        if (string.IsNullOrWhiteSpace(options.Domain))
            failures.Add($"{Section}:Domain is required when {Section}:Enabled is true, e.g. example.com (the From address's domain).");
        else if (!HostName().IsMatch(options.Domain))
            failures.Add($"{Section}:Domain '{options.Domain}' is not a domain name, e.g. example.com.");

        if (string.IsNullOrWhiteSpace(options.Selector))
            failures.Add($"{Section}:Selector is required when {Section}:Enabled is true, e.g. newsletter (the key is published at newsletter._domainkey.DOMAIN).");
        else if (!HostName().IsMatch(options.Selector))
            failures.Add($"{Section}:Selector '{options.Selector}' must be DNS labels (letters, digits, '-', separated by '.'), e.g. newsletter2026.");

        if (string.IsNullOrWhiteSpace(options.PrivateKeyPath))
        {
            failures.Add($"{Section}:PrivateKeyPath is required when {Section}:Enabled is true. Set the environment variable " +
                         "Newsletter__Dkim__PrivateKeyPath to the PEM file holding the private key (keep it out of appsettings.json's folder in git).");
        }
        else
        {
            var path = DkimKey.ResolvePath(options, environment?.ContentRootPath ?? Directory.GetCurrentDirectory());
            if (DkimKey.TryLoad(path, out var key, out _, out var error))
                key!.Dispose();
            else
                failures.Add(error);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex(@"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostName();
}

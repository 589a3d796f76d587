using Microsoft.Extensions.Options;
using Newsletter.Core.Configuration;

namespace Newsletter.Worker.Hosting;

/// <summary>
/// Reads <c>Newsletter:Web:Urls</c> the way Kestrel will, before the host starts: Kestrel itself would only find a bad address
/// while starting, as a <see cref="FormatException"/> with its stack trace and no word of the key.
/// </summary>
public sealed class WebOptionsValidator(IConfiguration configuration) : IValidateOptions<WebOptions>
{
    private const string Key = WebOptions.SectionName + ":Urls";

    public ValidateOptionsResult Validate(string? name, WebOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var url in options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                return ValidateOptionsResult.Fail(
                    $"{ConfigurationKeySource.Describe(configuration, Key)}: {Key} has \"{url}\", which is not an address to listen on; " +
                    "write one or more separated by ';', each a scheme, host and port, e.g. http://127.0.0.1:5080.");
            }
        }
        return ValidateOptionsResult.Success;
    }
}

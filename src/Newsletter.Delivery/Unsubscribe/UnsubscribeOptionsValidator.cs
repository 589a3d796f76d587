using Microsoft.Extensions.Options;

namespace Newsletter.Delivery.Unsubscribe;

/// <summary>Rejects a secret key too short to be a real key, and an empty key file path.</summary>
public sealed class UnsubscribeOptionsValidator : IValidateOptions<UnsubscribeOptions>
{
    public ValidateOptionsResult Validate(string? name, UnsubscribeOptions options)
    {
        var failures = new List<string>();

        if (!string.IsNullOrEmpty(options.SecretKey) && options.SecretKey.Length < UnsubscribeOptions.MinimumSecretKeyLength)
        {
            // Never echo the key itself.
            failures.Add($"{UnsubscribeOptions.SectionName}:SecretKey is too short ({options.SecretKey.Length} characters, at least {UnsubscribeOptions.MinimumSecretKeyLength} needed). Set Newsletter__Unsubscribe__SecretKey to a random value, e.g. the output of `openssl rand -base64 32`.");
        }

        if (string.IsNullOrEmpty(options.SecretKey) && string.IsNullOrWhiteSpace(options.KeyFile))
        {
            failures.Add($"{UnsubscribeOptions.SectionName}:KeyFile is empty and no SecretKey is set. Set Newsletter__Unsubscribe__SecretKey, or set KeyFile to a path such as data/unsubscribe.key.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

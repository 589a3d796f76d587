using Microsoft.Extensions.Options;
using Newsletter.Core.Lists;

namespace Newsletter.Delivery.Messages;

/// <summary>Checks the rules on <see cref="SenderOptions"/> that data annotations cannot express.</summary>
public sealed class SenderOptionsValidator : IValidateOptions<SenderOptions>
{
    public ValidateOptionsResult Validate(string? name, SenderOptions options)
    {
        var failures = new List<string>();

        if (!string.IsNullOrWhiteSpace(options.FromAddress)
            && !EmailAddressRules.TryNormalize(options.FromAddress, out _, out var fromReason))
        {
            failures.Add($"{SenderOptions.SectionName}:FromAddress '{options.FromAddress}' {fromReason}. Set it to the address the newsletter is sent from, e.g. newsletter@example.com.");
        }

        if (!string.IsNullOrWhiteSpace(options.ReplyTo)
            && !EmailAddressRules.TryNormalize(options.ReplyTo, out _, out var replyReason))
        {
            failures.Add($"{SenderOptions.SectionName}:ReplyTo '{options.ReplyTo}' {replyReason}. Fix it or remove the key.");
        }

        if (!string.IsNullOrWhiteSpace(options.ReturnPath)
            && !EmailAddressRules.TryNormalize(options.ReturnPath, out _, out var returnPathReason))
        {
            failures.Add($"{SenderOptions.SectionName}:ReturnPath '{options.ReturnPath}' {returnPathReason}. Set it to the address bounces go to, e.g. bounces@example.com, or remove the key to use FromAddress.");
        }

        if (!string.IsNullOrWhiteSpace(options.FeedbackSenderId) && !IsFeedbackIdField(options.FeedbackSenderId))
        {
            failures.Add($"{SenderOptions.SectionName}:FeedbackSenderId '{options.FeedbackSenderId}' may only contain letters, digits, '.', '_' and '-' (at most 64), e.g. tensorweekly.");
        }

        if (HeaderText.ContainsUnsafe(options.FromName ?? ""))
            failures.Add($"{SenderOptions.SectionName}:FromName contains control characters or line breaks. Use a single line of text.");

        if (!string.IsNullOrWhiteSpace(options.PublicBaseUrl) && !IsUsableBaseUrl(options.PublicBaseUrl))
        {
            failures.Add($"{SenderOptions.SectionName}:PublicBaseUrl '{options.PublicBaseUrl}' must be an absolute http or https URL without query or fragment, e.g. https://newsletter.example.com.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>One field of a Feedback-ID header: no ':' (the separator), no spaces, short.</summary>
    internal static bool IsFeedbackIdField(string value) =>
        value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    internal static bool IsUsableBaseUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && string.IsNullOrEmpty(uri.Query)
        && string.IsNullOrEmpty(uri.Fragment)
        && !string.IsNullOrEmpty(uri.Host);
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Newsletter.Delivery.Tls;
using Newsletter.Delivery.Transports;

namespace Newsletter.Delivery.Bounces;

/// <summary>Checks <see cref="BounceOptions"/> when the processor is enabled; a disabled one may be left half-filled.</summary>
public sealed class BounceOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<BounceOptions>
{
    private const string Section = BounceOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, BounceOptions options)
    {
        // The ceiling is checked even when bounces are off: `check` states it, and a bad value should not wait for the day
        // the mailbox is turned on.
        var failures = new List<string>();
        if (double.IsNaN(options.ComplaintRateCeiling) || options.ComplaintRateCeiling is <= 0 or >= 1)
            failures.Add($"{Section}:ComplaintRateCeiling {options.ComplaintRateCeiling.ToString(System.Globalization.CultureInfo.InvariantCulture)} must be a fraction between 0 and 1: 0.003 pauses a send above 0.3% complaints (the Gmail and Yahoo limit).");
        if (options.ComplaintMinimumDelivered < 1)
            failures.Add($"{Section}:ComplaintMinimumDelivered {options.ComplaintMinimumDelivered} must be at least 1: the messages a send must have delivered before its complaint rate is judged (default 1000).");
        if (options.ComplaintMinimumCount < 1)
            failures.Add($"{Section}:ComplaintMinimumCount {options.ComplaintMinimumCount} must be at least 1: the complaints a send must have before it can be paused (default 5).");
        if (!options.Enabled)
        {
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        if (string.IsNullOrWhiteSpace(options.Host))
            failures.Add($"{Section}:Host is required when {Section}:Enabled is true. Set it to the IMAP server of the mailbox that receives bounces, or set Enabled to false.");
        if (options.Port is < 1 or > 65535)
            failures.Add($"{Section}:Port {options.Port} must be between 1 and 65535 (143 for IMAP with STARTTLS, 993 for SslOnConnect).");
        if (!Enum.IsDefined(options.Security))
            failures.Add($"{Section}:Security '{options.Security}' is not one of: {string.Join(", ", Enum.GetNames<MailboxSecurity>())}.");
        if (!Enum.IsDefined(options.CertificateRevocation))
            failures.Add($"{Section}:CertificateRevocation '{options.CertificateRevocation}' is not one of: {string.Join(", ", Enum.GetNames<CertificateRevocation>())}.");
        if (!string.IsNullOrWhiteSpace(options.TrustedCaFile)
            && !TrustedCaFile.TryLoad($"{Section}:TrustedCaFile", SmtpMailTransport.ResolvePath(options.TrustedCaFile, environment?.ContentRootPath), out _, out var caError))
            failures.Add(caError);
        if (string.IsNullOrWhiteSpace(options.User))
            failures.Add($"{Section}:User is required when {Section}:Enabled is true: the login of the bounce mailbox.");
        else if (string.IsNullOrEmpty(options.Password))
            failures.Add($"{Section}:Password is required when {Section}:User is set. Set the environment variable Newsletter__Bounces__Password (never put it in appsettings.json).");
        if (string.IsNullOrWhiteSpace(options.Folder))
            failures.Add($"{Section}:Folder must name the folder bounces arrive in, e.g. \"INBOX\".");
        if (!string.IsNullOrWhiteSpace(options.ProcessedFolder))
        {
            if (SameFolder(options.ProcessedFolder, options.Folder))
                failures.Add($"{Section}:ProcessedFolder '{options.ProcessedFolder}' is the folder bounces arrive in; name another folder, or leave it empty to mark handled mail \\Seen instead.");
            if (string.IsNullOrWhiteSpace(options.UnrecognisedFolder))
                failures.Add($"{Section}:UnrecognisedFolder is required when {Section}:ProcessedFolder is set: mail that is not a readable bounce is moved there for a person to read (e.g. \"Unrecognised\").");
            else if (SameFolder(options.UnrecognisedFolder, options.Folder) || SameFolder(options.UnrecognisedFolder, options.ProcessedFolder))
                failures.Add($"{Section}:UnrecognisedFolder '{options.UnrecognisedFolder}' must differ from {Section}:Folder and {Section}:ProcessedFolder.");
        }
        if (options.PollSeconds is < 1 or > 86_400)
            failures.Add($"{Section}:PollSeconds {options.PollSeconds} must be between 1 and 86400 (300 reads the mailbox every five minutes).");
        if (options.SoftBounceLimit is < 1 or > 100)
            failures.Add($"{Section}:SoftBounceLimit {options.SoftBounceLimit} must be between 1 and 100: the number of consecutive issues with a soft bounce that suppress an address.");
        if (options.TimeoutSeconds is < 1 or > 3600)
            failures.Add($"{Section}:TimeoutSeconds {options.TimeoutSeconds} must be between 1 and 3600.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool SameFolder(string a, string? b) => string.Equals(a.Trim(), b?.Trim(), StringComparison.OrdinalIgnoreCase);
}
